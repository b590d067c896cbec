"""The query string read straight into an endpoint's arguments, for routes that take only
single query values (``async def add(a: int, b: int)``): App._native then serves them
without a Request, a Match or the general extractor loop (see Route.read_query).

The values and errors are exactly those of ``params.extract_now``: the last value of a
repeated name (as Starlette), percent-decoding as ``parse_qsl``, the same 422 entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from squall.datastructures import parse_query
from squall.models import ValidationFailed, msgspec_error
from squall.params import Extractor

QueryReader = Callable[[bytes], dict[str, Any]]


def plan_query_reader(extractors: list[Extractor]) -> QueryReader | None:
    """A reader for these extractors, or None unless every one is a single query value."""
    if not extractors or any(ex.place != "query" or ex.multiple for ex in extractors):
        return None
    fields = tuple((ex.name, ex.key, ex.convert, ex.required, ex.default) for ex in extractors)

    def read_query(query_string: bytes) -> dict[str, Any]:
        pairs = parse_query(query_string) if query_string else []
        pairs.reverse()  # newest first: the first match is the last value sent
        values: dict[str, Any] = {}
        errors: list[dict[str, Any]] | None = None
        for name, key, convert, required, default in fields:
            for given, raw in pairs:
                if given == key:
                    try:
                        values[name] = convert(raw)
                    except msgspec.ValidationError as exc:
                        errors = errors or []
                        errors.append(msgspec_error(["query", key], exc))
                    break
            else:
                if required:
                    errors = errors or []
                    errors.append(
                        {"loc": ["query", key], "msg": "Field required", "type": "missing"}
                    )
                else:
                    values[name] = default
        if errors:
            raise ValidationFailed(errors)
        return values

    return read_query


__all__ = ["QueryReader", "plan_query_reader"]
