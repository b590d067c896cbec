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


# --json-comp: a catalogue page of 50 items (about 8 KB of JSON), served compressed.
class Item(Struct):
    id: int
    name: str
    email: str
    price: float
    active: bool
    tags: list[str]
    description: str


ITEMS = [
    Item(
        id=i,
        name=f"item {i}",
        email=f"user{i}@example.com",
        price=round(i * 1.37, 2),
        active=i % 3 != 0,
        tags=["alpha", "beta"] if i % 2 else ["gamma"],
        description=f"The {i}th item of the catalogue, in stock.",
    )
    for i in range(50)
]


def items_list() -> bytes:
    return encode(ITEMS)
