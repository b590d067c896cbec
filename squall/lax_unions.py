"""Unions in a JSON body, read as pydantic's "smart" mode reads them for FastAPI (lax_bodies.py
reads the rest).  FastAPI validates the decoded JSON (Python values, not JSON text), and so
does this.

Each member of the union is tried on the value: its lax conversion (lax_bodies.py's, for that
member) and a check that the result is of the member's kind.  Of the members that take it, the
one that took it most exactly wins, the first in the union on a tie:

- exact: no conversion (``5`` for an ``int``, ``"5"`` for a ``str``: ``"5"`` for ``int | str``
  stays the string), a list or object whose items are all exact;
- strict: what pydantic's strict mode takes (an int for a ``float``);
- lax: any other conversion (``"5"`` or ``5.0`` for an ``int``, ``"yes"`` for a ``bool``, a
  string for a ``datetime``, ``UUID`` or ``Decimal``, a list for a ``set`` or ``tuple``): so
  ``"5"`` for ``int | datetime`` is the int 5, as in FastAPI (pydantic's ``validate_json``
  would make it a Unix time).

When no member takes it, the first member's refusal is the 422 entry, located under the
member's label as pydantic locates it (``["body", "v", "int"]``, ``["body", "v", "list[int]",
0]``).  ``X | None`` is no union there: ``null`` is ``None``, anything else ``X``'s, unlabelled.
"""

from __future__ import annotations

import datetime
import decimal
import typing
import uuid
from collections.abc import Callable
from typing import Any, Final

import msgspec
import msgspec.inspect as mi

from squall.lax_refusal import LaxRefusal, Location, Normalizer

EXACT: Final = 3
STRICT: Final = 2
LAX: Final = 1

SEQUENCES: Final = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)
RECORDS: Final = (mi.StructType, mi.DataclassType, mi.TypedDictType)
# Values of these kinds come as JSON strings (numbers for some): msgspec says if one fits.
LEAVES: Final[dict[type, Any]] = {
    mi.DateTimeType: datetime.datetime,
    mi.DateType: datetime.date,
    mi.TimeType: datetime.time,
    mi.TimeDeltaType: datetime.timedelta,
    mi.UUIDType: uuid.UUID,
    mi.DecimalType: decimal.Decimal,
    mi.BytesType: bytes,
}
LABELS: Final[dict[type, str]] = {
    mi.IntType: "int",
    mi.FloatType: "float",
    mi.BoolType: "bool",
    mi.StrType: "str",
    mi.NoneType: "none",
    mi.DateTimeType: "datetime",
    mi.DateType: "date",
    mi.TimeType: "time",
    mi.TimeDeltaType: "timedelta",
    mi.UUIDType: "uuid",
    mi.DecimalType: "decimal",
    mi.BytesType: "bytes",
}
WRONG_KIND: Final[dict[type, tuple[str, str]]] = {
    mi.StrType: ("string_type", "Input should be a valid string"),
    mi.ListType: ("list_type", "Input should be a valid list"),
    mi.SetType: ("set_type", "Input should be a valid set"),
    mi.FrozenSetType: ("frozen_set_type", "Input should be a valid frozenset"),
    mi.VarTupleType: ("tuple_type", "Input should be a valid tuple"),
    mi.TupleType: ("tuple_type", "Input should be a valid tuple"),
    mi.DictType: ("dict_type", "Input should be a valid dictionary"),
    mi.TypedDictType: ("dict_type", "Input should be a valid dictionary"),
    mi.StructType: ("model_type", "Input should be a valid dictionary or instance of {}"),
    mi.DataclassType: ("dataclass_type", "Input should be a dictionary or an instance of {}"),
}
JSON_KIND: Final[dict[type, type]] = {  # what the values of these come as
    mi.StrType: str,
    mi.ListType: list,
    mi.SetType: list,
    mi.FrozenSetType: list,
    mi.VarTupleType: list,
    mi.TupleType: list,
    mi.DictType: dict,
}
Member = tuple[str, mi.Type, Normalizer | None]


def union_normalizer(
    info: mi.UnionType, normalizer_of: Callable[[mi.Type], Normalizer | None]
) -> Normalizer | None:
    """The union's reading (``normalizer_of``: lax_bodies' reading of one member); None when
    no member converts anything (msgspec's strict reading is then pydantic's)."""
    others = [member for member in info.types if not isinstance(member, mi.NoneType)]
    nullable = len(others) < len(info.types)
    if len(others) == 1:
        only = normalizer_of(others[0])
        return None if only is None else _or_none(only)
    members = [(label(member), member, normalizer_of(member)) for member in others]
    if not any(normalize for _, _, normalize in members):
        return None
    return _smart(members, nullable)


def _or_none(normalize: Normalizer) -> Normalizer:
    def normalize_optional(value: Any, loc: Location) -> Any:
        return None if value is None else normalize(value, loc)

    return normalize_optional


def _smart(members: list[Member], nullable: bool) -> Normalizer:
    def normalize_union(value: Any, loc: Location) -> Any:
        if value is None and nullable:
            return None
        best: tuple[int, Any] | None = None
        refusal: LaxRefusal | None = None
        for tag, member, normalize in members:
            try:
                taken = _taken(member, normalize, value, [*loc, tag])
            except LaxRefusal as exc:
                refusal = refusal or exc
                continue
            level = exactness(member, value)
            if level == EXACT:
                return taken
            if best is None or level > best[0]:
                best = (level, taken)
        if best is None:
            assert refusal is not None
            raise refusal
        return best[1]

    return normalize_union


def _taken(member: mi.Type, normalize: Normalizer | None, value: Any, loc: Location) -> Any:
    """``value`` as ``member`` takes it, or LaxRefusal."""
    taken = value if normalize is None else normalize(value, loc)
    check_kind(member, taken, loc)
    return taken


def check_kind(info: mi.Type, value: Any, loc: Location) -> None:
    """Raise LaxRefusal unless the converted ``value`` is of ``info``'s kind, items included
    (int, float and bool values are their conversions' to refuse)."""
    if isinstance(info, RECORDS):
        _check_record(info, value, loc)
        return
    expected = JSON_KIND.get(type(info))
    if expected is not None and type(value) is not expected:
        raise LaxRefusal(loc, WRONG_KIND[type(info)])
    if isinstance(info, SEQUENCES):
        for index, item in enumerate(value):
            check_kind(info.item_type, item, [*loc, index])
    elif isinstance(info, mi.TupleType):
        for index, (kind, item) in enumerate(zip(info.item_types, value, strict=False)):
            check_kind(kind, item, [*loc, index])
    elif isinstance(info, mi.DictType):
        for key, item in value.items():
            check_kind(info.value_type, item, [*loc, key])
    else:
        _check_leaf(info, value, loc)


def _check_record(info: Any, value: Any, loc: Location) -> None:
    if getattr(info, "array_like", False):
        return  # a JSON array: msgspec's to read
    if type(value) is not dict:
        kind, message = WRONG_KIND[type(info)]
        raise LaxRefusal(loc, (kind, message.format(info.cls.__name__)))
    tag_field = getattr(info, "tag_field", None)
    if tag_field is not None and value.get(tag_field) != info.tag:
        raise LaxRefusal(loc, ("union_tag_invalid", f"Input tag does not match {info.tag!r}"))
    fields = {field.encode_name: field.type for field in info.fields}
    for key, item in value.items():
        if key in fields:
            check_kind(fields[key], item, [*loc, key])


def _check_leaf(info: mi.Type, value: Any, loc: Location) -> None:
    """A string-like value (a date, a UUID, an enum's...): whether msgspec reads it."""
    kind = leaf_type(info)
    if kind is None:
        return
    try:
        msgspec.convert(value, kind)
    except msgspec.ValidationError as exc:
        raise LaxRefusal(loc, ("value_error", str(exc))) from None


def info_is_leaf(info: mi.Type) -> bool:
    return type(info) in LEAVES or isinstance(info, mi.EnumType)


def leaf_type(info: mi.Type) -> Any:
    if isinstance(info, mi.EnumType):
        return info.cls
    if isinstance(info, mi.LiteralType):
        return typing.Literal[tuple(info.values)]
    return LEAVES.get(type(info))


def exactness(info: mi.Type, value: Any) -> int:
    """How exactly ``info`` takes the JSON ``value`` (which it does take): EXACT, STRICT or LAX."""
    kind = type(value)
    if isinstance(info, mi.IntType):
        return EXACT if kind is int else LAX
    if isinstance(info, mi.FloatType):
        return EXACT if kind is float else STRICT if kind is int else LAX
    if isinstance(info, mi.BoolType):
        return EXACT if kind is bool else LAX
    if isinstance(info, (mi.ListType, mi.DictType, *RECORDS)):
        return min([EXACT, *_item_levels(info, value)])
    if isinstance(info, (*SEQUENCES, mi.TupleType)) or info_is_leaf(info):  # from a list,
        return LAX  # a string, a number: what strict mode refuses (it wants the instance)
    if isinstance(info, mi.UnionType):
        return max(exactness(member, value) for member in info.types)
    return EXACT  # str, a literal, None


def _item_levels(info: Any, value: Any) -> list[int]:
    if isinstance(info, SEQUENCES):
        return [exactness(info.item_type, item) for item in value]
    if isinstance(info, mi.TupleType):
        return [exactness(t, item) for t, item in zip(info.item_types, value, strict=False)]
    if isinstance(info, mi.DictType):
        return [exactness(info.value_type, item) for item in value.values()]
    fields = {field.encode_name: field.type for field in info.fields}
    return [exactness(fields[key], item) for key, item in value.items() if key in fields]


def label(info: mi.Type) -> str:
    """The member's name in pydantic's error locations: ``int``, ``list[int]``, a model's."""
    name = LABELS.get(type(info))
    if name is not None:
        return name
    if isinstance(info, RECORDS):
        return str(info.cls.__name__)
    if isinstance(info, mi.EnumType):
        cls = info.cls
        base = next(
            (kind.__name__ + "-" for kind in (int, str, float) if issubclass(cls, kind)), ""
        )
        return f"{base}enum[{cls.__name__}]"
    if isinstance(info, mi.LiteralType):
        return f"literal[{','.join(map(repr, info.values))}]"
    if isinstance(info, mi.DictType):
        return f"dict[{label(info.key_type)},{label(info.value_type)}]"
    if isinstance(info, mi.VarTupleType):
        return f"tuple[{label(info.item_type)}, ...]"
    if isinstance(info, mi.TupleType):
        return f"tuple[{', '.join(map(label, info.item_types))}]"
    if isinstance(info, SEQUENCES):
        name = "frozenset" if isinstance(info, mi.FrozenSetType) else type(info).__name__[:-4]
        return f"{name.lower()}[{label(info.item_type)}]"
    return type(info).__name__.removesuffix("Type").lower()
