"""Checks written the pydantic way, read into msgspec: ``Annotated[int, Gt(0)]``,
``Annotated[str, Field(min_length=2)]``, ``Annotated[int, Interval(ge=1, le=9)]``...

``annotated_types`` constraints and pydantic's ``Field(...)`` become one ``msgspec.Meta``
each when the route is declared, so they cost nothing more per request than ``msgspec.Meta``
written by hand.  A constraint msgspec cannot check (``Predicate``, ``Timezone``,
``Field(strict=True)``, ``max_digits``...) is refused there with a TypeError: none is
dropped silently.  Neither package is imported here: an object of theirs can only exist
once its package has been imported, so ``sys.modules`` tells whether to look for them.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Iterable
from typing import Any

import msgspec

# annotated_types name -> the msgspec.Meta keyword it sets (the attribute has the same name).
_SIMPLE = {
    "Gt": "gt",
    "Ge": "ge",
    "Lt": "lt",
    "Le": "le",
    "MultipleOf": "multiple_of",
    "MinLen": "min_length",
    "MaxLen": "max_length",
}
# pydantic's own metadata (``Field(pattern=...)`` etc.): the keywords msgspec.Meta takes.
_PYDANTIC_GENERAL = ("pattern",)
# FieldInfo attributes with an effect on input that Squall does not give them.
_FIELD_REFUSED = ("validation_alias", "default_factory", "discriminator", "strict")


@dataclasses.dataclass
class Declared:
    """What a pydantic ``Field(...)`` inside ``Annotated`` says besides its checks."""

    alias: str | None = None
    default: Any = dataclasses.field(default_factory=lambda: NOTHING)
    docs: dict[str, Any] = dataclasses.field(default_factory=dict)  # title, description... set


NOTHING: Any = object()


def pydantic_checks(extras: Iterable[Any], where: str) -> tuple[list[msgspec.Meta], Declared]:
    """The ``Annotated`` extras written with pydantic or annotated_types, as msgspec.Meta
    (plus a ``Field``'s alias and default); ``where`` names the parameter in errors."""
    metas: list[msgspec.Meta] = []
    declared = Declared()
    constraint_types = _annotated_types()
    field_info = _field_info_class()
    for extra in extras:
        if field_info is not None and isinstance(extra, field_info):
            metas.extend(_field_metas(extra, where))
            declared = _field_declared(extra, declared)
        elif constraint_types and isinstance(extra, constraint_types):
            metas.extend(_metadata_metas([extra], where))
    return metas, declared


def nested_checks(annotation: Any, where: str) -> Any:
    """``annotation`` with the pydantic checks inside it (``Annotated[int, Gt(0)] | None``,
    ``list[Annotated[str, MaxLen(3)]]``) turned into msgspec.Meta."""
    origin = typing.get_origin(annotation)
    if origin is None:
        return annotation
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        inner, *extras = args
        metas, _ = pydantic_checks(extras, where)
        kept = [extra for extra in extras if not _is_pydantic(extra)]
        return typing.Annotated[(nested_checks(inner, where), *kept, *metas)]
    checked = tuple(nested_checks(arg, where) for arg in args)
    if checked == args:
        return annotation
    if origin in (typing.Union, types.UnionType):
        return typing.Union[checked]  # noqa: UP007 (built from a tuple)
    if isinstance(origin, type) and origin in (list, tuple, set, frozenset, dict):
        return origin[checked]
    return annotation


def _is_pydantic(extra: Any) -> bool:
    field_info = _field_info_class()
    constraint_types = _annotated_types()
    return (field_info is not None and isinstance(extra, field_info)) or bool(
        constraint_types and isinstance(extra, constraint_types)
    )


def _annotated_types() -> tuple[type, ...]:
    """annotated_types' constraint classes: single (Gt) and grouped (Interval, Len)."""
    module = sys.modules.get("annotated_types")
    return () if module is None else (module.BaseMetadata, module.GroupedMetadata)


def _field_info_class() -> type | None:
    module = sys.modules.get("pydantic.fields")
    return None if module is None else module.FieldInfo


def _field_metas(field: Any, where: str) -> list[msgspec.Meta]:
    refused = [name for name in _FIELD_REFUSED if getattr(field, name, None) not in (None, False)]
    if field.validation_alias == field.alias:  # Field(alias=) sets both
        refused = [name for name in refused if name != "validation_alias"]
    if refused:
        raise TypeError(f"{where}: Field({', '.join(refused)}=...) is not supported by Squall")
    return _metadata_metas(field.metadata, where)


def _field_declared(field: Any, declared: Declared) -> Declared:
    alias = field.alias if field.alias is not None else declared.alias
    default = declared.default
    if not field.is_required():
        default = field.default
    return Declared(alias, default, {**declared.docs, **_field_docs(field)})


def _field_docs(field: Any) -> dict[str, Any]:
    """A ``Field``'s documentation keywords, as a Source takes them (for the OpenAPI schema)."""
    docs = {name: getattr(field, name, None) for name in ("title", "description", "examples")}
    extra = getattr(field, "json_schema_extra", None)
    docs["json_schema_extra"] = extra if isinstance(extra, dict) else None
    deprecated = getattr(field, "deprecated", None)
    docs["deprecated"] = None if deprecated is None else bool(deprecated)
    return {name: value for name, value in docs.items() if value is not None}


def _metadata_metas(metadata: Iterable[Any], where: str) -> list[msgspec.Meta]:
    """annotated_types / pydantic metadata objects -> msgspec.Meta; TypeError for the rest."""
    module = sys.modules.get("annotated_types")
    grouped = None if module is None else module.GroupedMetadata
    metas = []
    for item in metadata:
        if grouped is not None and isinstance(item, grouped):  # Interval, Len: several checks
            metas.extend(_metadata_metas(list(item), where))
            continue
        keywords = _keywords(item)
        if keywords is None:
            raise TypeError(f"{where}: Squall cannot check the constraint {item!r}")
        if keywords:
            metas.append(msgspec.Meta(**keywords))
    return metas


def _keywords(item: Any) -> dict[str, Any] | None:
    """The msgspec.Meta keywords for one constraint; None when it has no msgspec check."""
    name = type(item).__name__
    keyword = _SIMPLE.get(name)
    if keyword is not None:
        return {keyword: getattr(item, keyword)}
    if name == "_PydanticGeneralMetadata":
        given = vars(item)
        if set(given) - set(_PYDANTIC_GENERAL):
            return None
        return dict(given)
    return None
