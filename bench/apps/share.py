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


# The other profiles' payloads (python -m bench --query, --json-list, --upload).
USERS = [User(id=i, name=f"user{i}", email=f"user{i}@email.com") for i in range(100)]


def baseline(a: int, b: int) -> bytes:
    return encode(a + b)


def users_list() -> bytes:
    return encode(USERS)


def upload_size(size: int) -> bytes:
    return encode({"size": size})
