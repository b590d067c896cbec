"""Precompressed siblings of static files (``app.js.br``, ``app.js.gz``, ``app.js.zst``),
chosen by the request's ``Accept-Encoding`` and its q-values (RFC 9110, 12.5.3)."""

from __future__ import annotations

import functools
from typing import Final

# Suffix of the sibling file for each content coding, in the order preferred on a tie.
SIBLINGS: Final = (("br", ".br"), ("zstd", ".zst"), ("gzip", ".gz"))
CODINGS: Final = frozenset(coding for coding, _ in SIBLINGS)


def accepted_codings(header: str) -> dict[str, float]:
    """Each coding ``header`` names, with its q-value (1.0 when none is given).

    ``x-gzip`` counts as ``gzip``; a malformed q-value makes its coding unacceptable.
    """
    weights: dict[str, float] = {}
    for item in header.split(","):
        name, _, params = item.partition(";")
        coding = name.strip().lower()
        if not coding:
            continue
        if coding == "x-gzip":
            coding = "gzip"
        weights[coding] = _quality(params)
    return weights


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


@functools.lru_cache(maxsize=256)  # clients send a handful of distinct headers
def preferred_codings(header: str) -> tuple[str, ...]:
    """The sibling codings worth looking for, best first (q > 0; ties in SIBLINGS order).

    A coding the header does not name gets the ``*`` weight, if any.  A sibling is preferred
    to the identity file when its weight is at least the identity's, which is the one the
    header gives it (or ``*``'s), else the least of all: acceptable, but not asked for.
    """
    weights = accepted_codings(header)
    star = weights.get("*", 0.0)
    identity = weights.get("identity", star)
    ranked = []
    for position, (coding, _) in enumerate(SIBLINGS):
        weight = weights.get(coding, star)
        if weight > 0.0 and weight >= identity:
            ranked.append((-weight, position, coding))
    return tuple(coding for _, _, coding in sorted(ranked))


def sibling_suffix(coding: str) -> str:
    for name, suffix in SIBLINGS:
        if name == coding:
            return suffix
    raise KeyError(coding)
