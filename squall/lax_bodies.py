"""A JSON body msgspec's strict decoding refused, read again the way FastAPI reads it
(pydantic v2's lax mode), so a ported client sending ``{"age": 164.0}`` or ``{"age": "164"}``
keeps working.

Only the refused bodies come here: a well-typed body is decoded by msgspec alone, at full
speed.  The body is parsed into plain values, each value pydantic would convert is converted
for its declared type, and msgspec then converts the result strictly (constraints, missing
fields, unknown types: its usual errors).  msgspec's own ``strict=False`` is not used: it takes
what pydantic refuses (``"1e3"`` for an int, ``"164"`` for a timedelta, epoch milliseconds
for a datetime as seconds).

What pydantic converts, by declared type (JSON input):

- int: a float without a fraction (``164.0``); true/false; a string an int reads from
  (``" 164 "``, ``"+5"``, ``"1_000"``, ``"164.0"``; not ``"1e3"``).  A fraction is
  ``int_from_float``, an unreadable string ``int_parsing``.
- float: true/false; a string ``float()`` reads (``"1e3"``, ``"inf"``): else ``float_parsing``.
- bool: 0 and 1 (as ints or floats); the words of ``squall.lax_values``: else
  ``bool_parsing`` (a string or an int) or ``bool_type``.
- datetime, date: a number or numeric string is a Unix time, in seconds up to 2e10 and in
  milliseconds past it (UTC); a date must fall on midnight (``date_from_datetime_inexact``).
- time: a number (not a string) is seconds since midnight (UTC), below 86,400.
- timedelta: a number (or a bool: FastAPI validates the decoded JSON) is seconds.
- an int enum: its value as an int would be read.
- Decimal: nothing converts, but a non-finite one (``"Infinity"``, ``"NaN"``, ``"-inf"``) is
  ``finite_number``; ``finite_decimal_check`` finds them in the bodies msgspec took.
- lists, sets, tuples, dict values, and the fields of Structs, dataclasses and TypedDicts (by
  their names on the wire), to any depth; a list or dict that is none is ``list_type``,
  ``dict_type``... (not for records: FastAPI words a body that is no object its own way).
- unions: ``X | None`` as ``X`` (``null`` aside), others as pydantic's smart mode
  (lax_unions.py).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any, Final

import msgspec
import msgspec.inspect as mi

from squall.finite_decimals import NOT_FINITE, is_finite_text
from squall.lax_refusal import LaxRefusal, Location, Normalizer
from squall.lax_unions import WRONG_KIND, union_normalizer
from squall.lax_values import lax_bool, lax_float, lax_int

__all__ = ["LaxRefusal", "finite_decimal_check", "lax_body_decoder", "normalizer"]
Scalars = dict[type, Callable[[Any], Normalizer | None]]  # mi.Type's class -> for that info

MILLISECONDS_PAST: Final = 2e10  # pydantic's line between Unix seconds and milliseconds
DAY: Final = 86_400
UTC: Final = datetime.UTC
NUMERIC_TEXT: Final = frozenset("0123456789+-.")


INT_TYPE: Final = ("int_type", "Input should be a valid integer")
FLOAT_TYPE: Final = ("float_type", "Input should be a valid number")
BOOL_TYPE: Final = ("bool_type", "Input should be a valid boolean")
INT_FRACTION: Final = (
    "int_from_float",
    "Input should be a valid integer, got a number with a fractional part",
)
INT_TEXT: Final = (
    "int_parsing",
    "Input should be a valid integer, unable to parse string as an integer",
)
INT_SIZE: Final = (
    "int_parsing_size",
    "Unable to parse input string as an integer, exceeded maximum size",
)
FLOAT_TEXT: Final = (
    "float_parsing",
    "Input should be a valid number, unable to parse string as a number",
)
BOOL_TEXT: Final = ("bool_parsing", "Input should be a valid boolean, unable to interpret input")
FLOAT_INT_LIMIT: Final = 2**63  # pydantic turns floats into 64-bit ints only
DATE_INEXACT: Final = (
    "date_from_datetime_inexact",
    "Datetimes provided to dates should have zero time - e.g. be exact dates",
)
CLOCK_DURATION: Final = re.compile(
    r"(?P<sign>[+-])?(?:(?P<days>[0-9]+) ?(?:d|days?),? ?)?"
    r"(?:(?P<hours>[0-9]+):(?P<minutes>[0-9]{2})(?::(?P<seconds>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?)?)?"
)
PLAIN: Final = (dict, list, type(None))  # the JSON values no number is read from
# What a body holding a non-finite decimal contains (a \u escape may spell one out).
NON_FINITE_HINT: Final = re.compile(rb"(?i)inf|nan|\\u")


def _int(value: Any, loc: Location) -> Any:
    kind = type(value)
    if kind is float:
        if not value.is_integer():
            raise LaxRefusal(loc, INT_FRACTION)
        if abs(value) >= FLOAT_INT_LIMIT:
            raise LaxRefusal(loc, INT_SIZE)
        return int(value)
    if kind is bool:
        return int(value)
    if kind is str:
        read = lax_int(value)
        if read is None:
            raise LaxRefusal(loc, INT_TEXT)
        return read
    if kind in PLAIN:
        raise LaxRefusal(loc, INT_TYPE)
    return value


def _float(value: Any, loc: Location) -> Any:
    kind = type(value)
    if kind is bool:
        return float(value)
    if kind is str:
        read = lax_float(value)
        if read is None:
            raise LaxRefusal(loc, FLOAT_TEXT)
        return read
    if kind in PLAIN:
        raise LaxRefusal(loc, FLOAT_TYPE)
    return value


def _bool(value: Any, loc: Location) -> Any:
    kind = type(value)
    if kind is int or kind is float:
        if value == 0 or value == 1:
            return bool(value)
        whole = kind is int or (value.is_integer() and abs(value) < FLOAT_INT_LIMIT)
        raise LaxRefusal(loc, BOOL_TEXT if whole else BOOL_TYPE)
    if kind is str:
        read = lax_bool(value)
        if read is None:
            raise LaxRefusal(loc, BOOL_TEXT)
        return read
    if kind in PLAIN:
        raise LaxRefusal(loc, BOOL_TYPE)
    return value


def _unix_seconds(value: Any) -> float | None:
    """A number, or a numeric string, as Unix seconds (milliseconds past 2e10); else None."""
    kind = type(value)
    if kind is str and value and set(value) <= NUMERIC_TEXT:
        value = lax_float(value)
    elif kind is not int and kind is not float:
        return None
    if value is None:
        return None
    return value / 1000 if abs(value) > MILLISECONDS_PAST else value


def _datetime(value: Any, loc: Location) -> Any:
    seconds = _unix_seconds(value)
    if seconds is None:
        day = _text_as(value, datetime.date) if type(value) is str and len(value) == 10 else None
        return value if day is None else datetime.datetime(day.year, day.month, day.day)
    try:
        return datetime.datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):  # past year 9999: msgspec's error
        return value


def _date(value: Any, loc: Location) -> Any:
    seconds = _unix_seconds(value)
    if seconds is None:
        moment = _text_as(value, datetime.datetime) if type(value) is str else None
        if moment is None:
            return value
        if moment.time() != datetime.time():
            raise LaxRefusal(loc, DATE_INEXACT)
        return moment.date()
    if seconds % DAY:
        raise LaxRefusal(loc, DATE_INEXACT)
    try:
        return datetime.datetime.fromtimestamp(seconds, tz=UTC).date()
    except (OverflowError, OSError, ValueError):
        return value


def _text_as(text: str, kind: type) -> Any:
    """``text`` read as a ``kind`` (a date or datetime in RFC 3339), or None."""
    try:
        return msgspec.convert(text, kind)
    except msgspec.ValidationError:
        return None


def _time(value: Any, loc: Location) -> Any:
    kind = type(value)
    if (kind is int or kind is float) and 0 <= value < DAY:
        whole = int(value)
        micro = round((value - whole) * 1_000_000)
        hours, rest = divmod(whole, 3600)
        return datetime.time(hours, rest // 60, rest % 60, micro, tzinfo=UTC)
    return value


def _decimal(value: Any, loc: Location) -> Any:
    if type(value) is str and not is_finite_text(value):
        raise LaxRefusal(loc, NOT_FINITE)
    return value


def _timedelta(value: Any, loc: Location) -> Any:
    kind = type(value)
    if kind is int or kind is float or kind is bool:  # FastAPI's pydantic: true is 1 s
        try:
            return datetime.timedelta(seconds=value)
        except OverflowError:
            return value
    if kind is str:
        return _clock_duration(value) or value
    return value


def _clock_duration(text: str) -> datetime.timedelta | None:
    """``[+-][D day[s][,] ][H]H:MM[:SS[.ffffff]]`` (or ``Dd``) as a timedelta, else None."""
    matched = CLOCK_DURATION.fullmatch(text)
    if matched is None or not (matched["days"] or matched["hours"]):
        return None
    if matched["seconds"] is None and len(matched["hours"] or "00") < 2:  # "3:04": refused
        return None
    minutes, seconds = int(matched["minutes"] or 0), int(matched["seconds"] or 0)
    if minutes >= 60 or seconds >= 60:
        return None
    duration = datetime.timedelta(
        days=int(matched["days"] or 0),
        hours=int(matched["hours"] or 0),
        minutes=minutes,
        seconds=seconds,
        microseconds=int((matched["fraction"] or "0")[:6].ljust(6, "0")),
    )
    return -duration if matched["sign"] == "-" else duration


def _enum(info: Any) -> Normalizer | None:
    return _int_enum if all(type(m.value) is int for m in info.cls) else None


def _always(normalize: Normalizer) -> Callable[[Any], Normalizer]:
    return lambda info: normalize


SCALARS: Final[Scalars] = {
    mi.IntType: _always(_int),
    mi.FloatType: _always(_float),
    mi.BoolType: _always(_bool),
    mi.DateTimeType: _always(_datetime),
    mi.DateType: _always(_date),
    mi.TimeType: _always(_time),
    mi.TimeDeltaType: _always(_timedelta),
    mi.DecimalType: _always(_decimal),
    mi.EnumType: _enum,
}
FINITE_ONLY: Final[Scalars] = {mi.DecimalType: _always(_decimal)}  # finds the decimals
SEQUENCES: Final = (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)
RECORDS: Final = (mi.StructType, mi.DataclassType, mi.TypedDictType)


def lax_body_decoder(annotation: Any) -> Callable[[bytes], Any] | None:
    """bytes -> ``annotation``'s value with pydantic's lax conversions (raising LaxRefusal or
    msgspec.ValidationError); None when pydantic would convert nothing more than msgspec."""
    normalize = normalizer(mi.type_info(annotation), {})
    if normalize is None:
        return None

    def decode_lax(raw: bytes) -> Any:
        return msgspec.convert(normalize(msgspec.json.decode(raw), []), annotation)

    return decode_lax


def finite_decimal_check(annotation: Any) -> Callable[[bytes], None] | None:
    """For an ``annotation`` holding decimals: what raises LaxRefusal (``finite_number``)
    for a body msgspec decoded with a non-finite one; None when it holds none.  Only a body
    that may spell one out is read again, as plain JSON, the lax way (a union may take the
    word as a ``str``), to look."""
    info = mi.type_info(annotation)
    if normalizer(info, {}, FINITE_ONLY) is None:
        return None
    lax = normalizer(info, {})
    assert lax is not None  # a decimal's is there

    def check_body(raw: bytes) -> None:
        if NON_FINITE_HINT.search(raw) is None:
            return
        try:
            plain = msgspec.json.decode(raw)
        except msgspec.DecodeError:  # a number past a float's range (msgspec took it)
            return
        try:
            lax(plain, [])
        except LaxRefusal as exc:
            if exc.entry["type"] == NOT_FINITE[0]:
                raise

    return check_body


def normalizer(
    info: mi.Type, seen: dict[int, Normalizer | None], scalars: Scalars = SCALARS
) -> Normalizer | None:
    """What turns plain JSON values into those msgspec takes strictly as ``info`` (with the
    ``scalars`` table); None when they need nothing."""
    scalar = scalars.get(type(info))
    if scalar is not None:
        return scalar(info)
    if isinstance(info, mi.UnionType):
        return union_normalizer(info, lambda member: normalizer(member, seen, scalars))
    if isinstance(info, SEQUENCES):
        item = normalizer(info.item_type, seen, scalars)
        return None if item is None else _each(item, WRONG_KIND[type(info)])
    if isinstance(info, mi.DictType):
        value = normalizer(info.value_type, seen, scalars)
        return None if value is None else _each_value(value)
    if isinstance(info, mi.TupleType):
        items = [normalizer(t, seen, scalars) for t in info.item_types]
        return None if not any(items) else _by_position(items)
    if isinstance(info, RECORDS) and not getattr(info, "array_like", False):
        return _record(info, seen, scalars)
    return None


def _record(info: Any, seen: dict[int, Normalizer | None], scalars: Scalars) -> Normalizer | None:
    key = id(info.cls)
    if key in seen:  # a recursive model: the entry filled in below
        return lambda value, loc: _call(seen[key], value, loc)
    seen[key] = None
    fields = {}
    for field in info.fields:
        normalize = normalizer(field.type, seen, scalars)
        if normalize is not None:
            fields[field.encode_name] = normalize
    seen[key] = _by_key(fields) if fields else None
    return seen[key]


def _call(normalize: Normalizer | None, value: Any, loc: Location) -> Any:
    return value if normalize is None else normalize(value, loc)


def _int_enum(value: Any, loc: Location) -> Any:
    try:
        return _int(value, loc)
    except LaxRefusal:
        return value  # left for msgspec's enum error


def _each(item: Normalizer, wrong: tuple[str, str]) -> Normalizer:
    def normalize_each(values: Any, loc: Location) -> Any:
        if type(values) is not list:
            raise LaxRefusal(loc, wrong)
        return [item(v, [*loc, i]) for i, v in enumerate(values)]

    return normalize_each


def _each_value(value: Normalizer) -> Normalizer:
    def normalize_values(values: Any, loc: Location) -> Any:
        if type(values) is not dict:
            raise LaxRefusal(loc, WRONG_KIND[mi.DictType])
        return {k: value(v, [*loc, k]) for k, v in values.items()}

    return normalize_values


def _by_position(items: list[Normalizer | None]) -> Normalizer:
    def normalize_items(values: Any, loc: Location) -> Any:
        if type(values) is not list:
            raise LaxRefusal(loc, WRONG_KIND[mi.TupleType])
        known = [_call(items[i], v, [*loc, i]) for i, v in enumerate(values[: len(items)])]
        return known + values[len(items) :]

    return normalize_items


def _by_key(fields: dict[str, Normalizer]) -> Normalizer:
    def normalize_fields(values: Any, loc: Location) -> Any:
        if type(values) is not dict:
            return values
        return {k: _call(fields.get(k), v, [*loc, k]) for k, v in values.items()}

    return normalize_fields
