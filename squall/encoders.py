"""JSON encoding of application values: ``jsonable_encoder`` and ``JSONResponse``'s encoder.

msgspec does the work: dicts, lists, sets, msgspec Structs, dataclasses, TypedDicts,
NamedTuples, datetimes (ISO 8601), UUIDs, Decimals (as strings, exact), enums (their value)
and bytes (base64) are native to it; the hook below adds pydantic models, paths and
compiled patterns.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection
from typing import Any

import msgspec

Encoder = Callable[[Any], Any]


def _pydantic_dump(value: Any, **options: Any) -> Any:
    return value.model_dump(mode="json", **options)


def encode_extra(value: Any) -> Any:
    """msgspec's hook for what it does not know: pydantic models, paths, patterns."""
    if hasattr(value, "model_dump"):
        return _pydantic_dump(value, by_alias=True)  # FastAPI's default
    pathlib = sys.modules.get("pathlib")  # a path exists only if pathlib was imported
    if pathlib is not None and isinstance(value, pathlib.PurePath):
        return str(value)
    if isinstance(value, re.Pattern):
        return value.pattern
    raise NotImplementedError(f"cannot encode {type(value).__name__} as JSON")


encode_json: Callable[[Any], bytes] = msgspec.json.Encoder(enc_hook=encode_extra).encode


def jsonable_encoder(
    obj: Any,
    include: Collection[str] | None = None,
    exclude: Collection[str] | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: dict[type, Encoder] | None = None,
) -> Any:
    """``obj`` as JSON-compatible Python data (dicts, lists, str, int, float, bool, None).

    ``include``/``exclude`` pick the top-level fields (of a model, Struct, dataclass or
    dict); ``exclude_none`` drops None values at every level; ``by_alias``,
    ``exclude_unset`` and ``exclude_defaults`` apply to pydantic models; ``custom_encoder``
    maps a type to the function that encodes its values (it wins over the defaults).
    """
    if hasattr(obj, "model_dump") and not isinstance(obj, type):
        options: dict[str, Any] = {"by_alias": by_alias, "exclude_unset": exclude_unset}
        options |= {"exclude_defaults": exclude_defaults, "exclude_none": exclude_none}
        if include is not None:
            options["include"] = set(include)
        if exclude is not None:
            options["exclude"] = set(exclude)
        if custom_encoder:
            data = obj.model_dump(mode="python", **options)
            return jsonable_encoder(data, custom_encoder=custom_encoder)
        return _pydantic_dump(obj, **options)
    if custom_encoder:
        data = _with_custom(obj, custom_encoder)
    else:
        data = msgspec.to_builtins(obj, enc_hook=encode_extra, str_keys=True)
    if isinstance(data, dict) and (include is not None or exclude is not None):
        data = {
            key: value
            for key, value in data.items()
            if (include is None or key in include) and (exclude is None or key not in exclude)
        }
    return _without_none(data) if exclude_none else data


def _with_custom(obj: Any, custom: dict[type, Encoder]) -> Any:
    """``to_builtins`` with the custom encoders applied first, at every level."""

    def hook(value: Any) -> Any:
        for cls in type(value).__mro__:
            if cls in custom:
                return custom[cls](value)
        return encode_extra(value)

    passed = [cls for cls in custom if cls not in (dict, list, tuple, set, str, int, float)]
    data = msgspec.to_builtins(obj, builtin_types=passed, enc_hook=hook, str_keys=True)
    return _map_leaves(data, lambda value: hook(value) if type(value) in passed else value)


def _map_leaves(data: Any, change: Encoder) -> Any:
    if isinstance(data, dict):
        return {key: _map_leaves(value, change) for key, value in data.items()}
    if isinstance(data, list):
        return [_map_leaves(value, change) for value in data]
    result = change(data)
    return result if result is data else jsonable_encoder(result)


def _without_none(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_none(value) for key, value in data.items() if value is not None}
    if isinstance(data, list):
        return [_without_none(value) for value in data]
    return data
