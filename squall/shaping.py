"""Output shaped by the declared type: what leaves is what the route declares, nothing more.

A route's declared type (``response_model=``, else the return annotation) is a filter as
much as a conversion: returning a subclass instance (a ``UserIn`` with a password where
``BaseUser`` is declared) sends the declared fields only.  The shaper is planned once per
route; a result of exactly the declared type skips it (such an object has exactly the
declared fields), unless the route asks for field filtering (``response_model_include``,
``_exclude``, ``_exclude_unset``, ``_exclude_none``, ``_exclude_defaults``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from squall.field_defaults import without_defaults
from squall.models import encode_extra, is_pydantic_model

Shaper = Callable[[Any], Any]


@dataclass(frozen=True)
class FieldFilter:
    """The ``response_model_*`` options of a route."""

    include: frozenset[str] | None = None
    exclude: frozenset[str] | None = None
    exclude_unset: bool = False
    exclude_none: bool = False
    exclude_defaults: bool = False
    by_alias: bool = True  # pydantic models' fields under their aliases (FastAPI's default)

    @property
    def active(self) -> bool:
        return bool(
            self.include is not None
            or self.exclude
            or self.exclude_unset
            or self.exclude_none
            or self.exclude_defaults
            or not self.by_alias
        )


def plan_shaper(declared: Any, fields: FieldFilter) -> Shaper:
    """The function that turns an endpoint's result into the value to encode."""
    if _mentions_pydantic(declared):
        return _pydantic_shaper(declared, fields)
    return _msgspec_shaper(declared, fields)


def _mentions_pydantic(declared: Any) -> bool:
    if is_pydantic_model(declared):
        return True
    return any(_mentions_pydantic(arg) for arg in typing.get_args(declared))


def _msgspec_shaper(declared: Any, fields: FieldFilter) -> Shaper:
    def convert(result: Any) -> Any:
        return msgspec.convert(result, declared, from_attributes=True)

    if not fields.active:
        return convert

    def shape(result: Any) -> Any:
        converted = convert(result)
        data = msgspec.to_builtins(converted, enc_hook=encode_extra)
        if fields.exclude_unset:
            data = _keep_set(result, data)
        if fields.exclude_defaults:
            data = without_defaults(converted, data)
        return _filtered(data, fields)

    return shape


def _pydantic_shaper(declared: Any, fields: FieldFilter) -> Shaper:
    import pydantic

    adapter: Any = pydantic.TypeAdapter(declared)

    def validate(result: Any) -> Any:
        # Models become dicts first: validating an instance of a subclass would keep it whole.
        data = _plain(result, fields.exclude_unset, pydantic.BaseModel)
        return adapter.validate_python(data, from_attributes=True)

    if not fields.active:
        return validate

    def shape(result: Any) -> Any:
        data = adapter.dump_python(
            validate(result),
            mode="json",
            exclude_unset=fields.exclude_unset,
            exclude_defaults=fields.exclude_defaults,
            by_alias=fields.by_alias,
        )
        return _filtered(data, fields)

    return shape


def _plain(value: Any, exclude_unset: bool, base: type) -> Any:
    """``value`` with every pydantic model in it (at any depth) dumped to a dict."""
    if isinstance(value, base):
        return value.model_dump(by_alias=True, exclude_unset=exclude_unset)  # type: ignore[attr-defined]
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item, exclude_unset, base) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item, exclude_unset, base) for key, item in value.items()}
    return value


def _keep_set(result: Any, data: Any) -> Any:
    """Without the fields the result did not set: for a dict result, the keys it lacks."""
    if isinstance(result, Mapping) and isinstance(data, dict):
        return {key: value for key, value in data.items() if key in result}
    if isinstance(result, list | tuple) and isinstance(data, list):
        return [_keep_set(item, shaped) for item, shaped in zip(result, data, strict=False)]
    fields_set = getattr(result, "model_fields_set", None)
    if fields_set is not None and isinstance(data, dict):
        return {key: value for key, value in data.items() if key in fields_set}
    return data


def _filtered(data: Any, fields: FieldFilter) -> Any:
    """Top-level include/exclude (for each item of a list), then no None values at all."""
    data = [_pick(item, fields) for item in data] if isinstance(data, list) else _pick(data, fields)
    return _without_none(data) if fields.exclude_none else data


def _pick(data: Any, fields: FieldFilter) -> Any:
    if not isinstance(data, dict):
        return data
    include, exclude = fields.include, fields.exclude
    return {
        key: value
        for key, value in data.items()
        if (include is None or key in include) and not (exclude and key in exclude)
    }


def _without_none(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _without_none(value) for key, value in data.items() if value is not None}
    if isinstance(data, list):
        return [_without_none(item) for item in data]
    return data
