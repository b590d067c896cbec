"""The seeds' procedure: decode a User, make a new User from it, encode it."""

from __future__ import annotations

from msgspec import Struct
from msgspec.json import Decoder, Encoder


class User(Struct):
    id: int
    name: str
    email: str


decode = Decoder(User).decode
encode = Encoder().encode


def endpoint(data: bytes) -> bytes:
    received = decode(data)
    return encode(User(id=received.id, name=received.name, email=received.email))
