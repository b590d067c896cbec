"""Models named as in models_a.py: the document must keep them apart."""

from __future__ import annotations

import msgspec
import pydantic


class Item(msgspec.Struct):
    sku: int


class Owner(pydantic.BaseModel):
    uid: int
