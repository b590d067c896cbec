"""Models named as in models_b.py: the document must keep them apart."""

from __future__ import annotations

import msgspec
import pydantic


class Item(msgspec.Struct):
    name: str


class Owner(pydantic.BaseModel):
    login: str
