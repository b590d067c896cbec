"""Lookups in a native request's headers (``list[tuple[bytes, bytes]]``, names lower-cased,
as Squall's server gives them), compiled with mypyc with the server's hot path: a scan of a
request's headers in C is a few dozen instructions a field, against hundreds interpreted.
The middleware's hooks and their gates (hook_plan.py) make these on every request.  (ASGI
scopes' headers may be other iterables of pairs: headers.py's helpers take those.)"""

from __future__ import annotations

from typing import Final

from squall.middleware.headers import add_vary
from squall.outcome import JSON_HEADERS

RawHeaders = list[tuple[bytes, bytes]]

VARY: Final = b"vary"


def first_value(headers: RawHeaders, name: bytes) -> bytes | None:
    """The value of the first ``name`` header, or None when there is none."""
    for key, value in headers:
        if key == name:
            return value
    return None


def has_header(headers: RawHeaders, name: bytes) -> bool:
    for key, _ in headers:  # noqa: SIM110  (a loop mypyc compiles; any() makes a generator)
        if key == name:
            return True
    return False


def without(headers: RawHeaders, name: bytes) -> RawHeaders:
    """A copy of ``headers`` without any ``name`` header."""
    return [field for field in headers if field[0] != name]


# JSON_HEADERS (the usual routed outcome's, shared) -> its twin with a field in Vary.
_JSON_VARIED: dict[bytes, RawHeaders] = {}


def varied(headers: RawHeaders, field: bytes) -> RawHeaders:
    """``headers`` with ``field`` listed in Vary, as a new list (the one given may be
    shared).  JSON_HEADERS' twin is made once and shared too: copy it to edit."""
    if headers is JSON_HEADERS:
        twin = _JSON_VARIED.get(field)
        if twin is None:
            twin = _JSON_VARIED[field] = [*headers, (VARY, field)]
        return twin
    changed = list(headers)
    add_vary(changed, field)
    return changed
