"""How text from a path, query string, header or cookie becomes an ``int``, ``float`` or
``bool``, as FastAPI reads it (pydantic's lax mode) rather than msgspec's stricter lax
conversion, which refuses ``007``, ``+5``, `` 5``, ``1_000``, ``5.0`` for an int, ``05`` and
``.5`` for a float, and ``on``/``yes``/``off``/``no`` for a bool (an HTML checkbox sends
``on``).  Text that does not fit is left as it is, for msgspec to refuse with its usual
error (the 422 entry).

- int: optional whitespace around, a sign, ASCII digits with single underscores between
  them, and a fraction of zeros only (``5.00``; ``5.`` and ``5.01`` are refused).
- float: what Python's ``float()`` reads, in ASCII (underscores, exponents, ``inf``,
  ``nan``, whitespace around).
- bool: ``1 true t yes y on`` and ``0 false f no n off``, in any case, nothing around.
- Decimal: as ``decimal.Decimal`` reads it, exactly as written (msgspec's lax conversion
  reads ``-0`` as the int 0 first, losing its sign).
"""

from __future__ import annotations

import decimal
import re
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Final

INT_TEXT: Final = re.compile(r"[ \t\n\r\f\v]*([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?[ \t\n\r\f\v]*")
TRUE_WORDS: Final = frozenset(("1", "true", "t", "yes", "y", "on"))
FALSE_WORDS: Final = frozenset(("0", "false", "f", "no", "n", "off"))
LISTS: Final = (list, tuple, set, frozenset)

Normalizer = Callable[[Any], Any]


def lax_int(text: str) -> int | None:
    """``text`` read as an int the lax way, or None when it is no int."""
    if text.isascii():
        matched = INT_TEXT.fullmatch(text)
        if matched is not None:
            return int(matched.group(1))
    return None


def lax_float(text: str) -> float | None:
    if text.isascii():
        try:
            return float(text)
        except ValueError:
            return None
    return None


def lax_bool(text: str) -> bool | None:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def lax_decimal(text: str) -> decimal.Decimal | None:
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None


READERS: Final[dict[Any, Callable[[str], Any]]] = {
    int: lax_int,
    float: lax_float,
    bool: lax_bool,
    decimal.Decimal: lax_decimal,
}


def text_normalizer(annotation: Any) -> Normalizer | None:
    """For an annotation built on int, float, bool or Decimal (``Annotated[int, Meta(ge=1)]``,
    ``int | None``, ``list[int]``...): a function turning such text into its value (other
    values pass unchanged), so msgspec's conversion then sees a value it takes; None when
    there is nothing to do for ``annotation``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return text_normalizer(typing.get_args(annotation)[0])
    if origin in LISTS:
        args = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
        inner = text_normalizer(args[0]) if len(args) == 1 else None
        return None if inner is None else _each(inner)
    if origin in (typing.Union, types.UnionType):
        others = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return text_normalizer(others[0]) if len(others) == 1 else None
    read = READERS.get(annotation)
    return None if read is None else _text_read_by(read)


def _text_read_by(read: Callable[[str], Any]) -> Normalizer:
    def normalize(value: Any) -> Any:
        if type(value) is str:
            read_value = read(value)
            if read_value is not None:
                return read_value
        return value

    return normalize


def _each(normalize: Normalizer) -> Normalizer:
    def normalize_each(values: Any) -> Any:
        if type(values) is list:
            return [normalize(value) for value in values]
        return normalize(values)

    return normalize_each
