"""``response_model_exclude_defaults`` for msgspec Structs and dataclasses: the fields whose
value equals their default are left out, at any depth (pydantic models do this themselves).

Applied to the declared type's value (the result converted) and its builtins form side by
side, so a field is judged by its Python value and dropped under its name on the wire.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec

NO_DEFAULT: Any = msgspec.NODEFAULT


def without_defaults(value: Any, data: Any) -> Any:
    """``data`` (``value`` as builtins) without the fields that hold their default."""
    if isinstance(value, list | tuple | set | frozenset) and isinstance(data, list):
        return [without_defaults(item, shaped) for item, shaped in zip(value, data, strict=False)]
    if isinstance(value, dict) and isinstance(data, dict):
        return {key: without_defaults(value.get(key), shaped) for key, shaped in data.items()}
    if not isinstance(data, dict):
        return data
    fields = _fields_with_defaults(value)
    kept = {}
    for key, shaped in data.items():
        field = fields.get(key)
        if field is not None:
            name, default = field
            current = getattr(value, name)
            if default is not NO_DEFAULT and _equal(current, default):
                continue
            shaped = without_defaults(current, shaped)
        kept[key] = shaped
    return kept


def _fields_with_defaults(value: Any) -> dict[str, tuple[str, Any]]:
    """Wire name -> (attribute, default or NO_DEFAULT) of a Struct's or dataclass's fields."""
    if isinstance(value, msgspec.Struct):
        return {f.encode_name: (f.name, _struct_default(f)) for f in msgspec.structs.fields(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: (f.name, _dataclass_default(f)) for f in dataclasses.fields(value)}
    return {}


def _struct_default(field: msgspec.structs.FieldInfo) -> Any:
    if field.default is not NO_DEFAULT:
        return field.default
    factory = field.default_factory
    return NO_DEFAULT if factory is NO_DEFAULT else factory()


def _dataclass_default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    factory = field.default_factory
    return NO_DEFAULT if factory is dataclasses.MISSING else factory()


def _equal(current: Any, default: Any) -> bool:
    try:
        return bool(current == default)  # as pydantic compares (0.0 is the default 0)
    except Exception:  # a value whose == fails is no default
        return False
