"""What the lax readings of JSON bodies share (lax_bodies.py, lax_unions.py): a value's place,
a converter of one value, and pydantic's refusal of one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Location = list[Any]
Normalizer = Callable[[Any, Location], Any]  # a plain JSON value -> what msgspec then takes


class LaxRefusal(Exception):
    """A value pydantic refuses too, with pydantic's error for it."""

    def __init__(self, loc: Location, error: tuple[str, str]) -> None:
        super().__init__(error[1])
        self.entry = {"loc": loc, "msg": error[1], "type": error[0]}
