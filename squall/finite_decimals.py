"""``Decimal`` values must be finite, as FastAPI has them (pydantic's ``allow_inf_nan=False``
for decimals): ``"Infinity"``, ``"NaN"``, ``"-inf"``, ``"sNaN"`` are a 422 ``finite_number``
("Input should be a finite number") where msgspec would take them.

Path, query, header, cookie and form values are checked once converted (``checked``); JSON
bodies in lax_bodies.py, which reads the JSON values themselves.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any, Final

import msgspec
import msgspec.inspect as mi

NOT_FINITE: Final = ("finite_number", "Input should be a finite number")
COLLECTIONS: Final = (list, tuple, set, frozenset)
Check = Callable[[Any, str], None]  # a converted value, where it is (msgspec's `$...` path)


class Refused(msgspec.ValidationError):
    """A value msgspec took and pydantic refuses: its error type rides along (models.py's
    ``msgspec_error`` reads it), the message and place as msgspec words them."""

    def __init__(self, error: tuple[str, str], path: str) -> None:
        at = f" - at `{path}`" if path != "$" else ""
        super().__init__(error[1] + at)
        self.error_type = error[0]


def is_finite_text(text: str) -> bool:
    """Whether ``text`` is no decimal, or a finite one (the rest is msgspec's to refuse)."""
    try:
        return decimal.Decimal(text).is_finite()
    except (decimal.InvalidOperation, ValueError):
        return True


def checked(annotation: Any, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` (a value -> ``annotation``), refusing non-finite decimals in its result."""
    try:
        info = mi.type_info(annotation)
    except (TypeError, ValueError):  # no msgspec type (a Request, a dependency's...)
        return convert
    check = _check_for(info)
    if check is None:
        return convert

    def convert_finite(value: Any) -> Any:
        result = convert(value)
        check(result, "$")
        return result

    return convert_finite


def _check_for(info: mi.Type) -> Check | None:
    """What refuses a non-finite decimal in a converted ``info`` value; None: none can hold one."""
    if isinstance(info, mi.DecimalType):
        return _decimal
    if isinstance(info, mi.UnionType):
        checks = [check for check in map(_check_for, info.types) if check is not None]
        return _any_of(checks) if checks else None
    if isinstance(info, (mi.ListType, mi.SetType, mi.FrozenSetType, mi.VarTupleType)):
        item = _check_for(info.item_type)
        return None if item is None else _each(item)
    return None


def _decimal(value: Any, path: str) -> None:
    if type(value) is decimal.Decimal and not value.is_finite():
        raise Refused(NOT_FINITE, path)


def _each(item: Check) -> Check:
    def check_each(values: Any, path: str) -> None:
        if isinstance(values, COLLECTIONS):  # (else another member of a union)
            for index, value in enumerate(values):
                item(value, f"{path}[{index}]")

    return check_each


def _any_of(checks: list[Check]) -> Check:
    """A union's: each member's check passes the values of other kinds."""

    def check_member(value: Any, path: str) -> None:
        for check in checks:
            check(value, path)

    return check_member
