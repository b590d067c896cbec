"""The entry's JSON shapes as msgspec Structs (HttpArena's §3: field names and order matter)."""

from __future__ import annotations

import msgspec


class Rating(msgspec.Struct):
    score: int
    count: int


class Item(msgspec.Struct):
    """An item of /data/dataset.json, or a row of the items table."""

    id: int
    name: str
    category: str
    price: int
    quantity: int
    active: bool
    tags: list[str]
    rating: Rating


class PricedItem(Item):
    """A dataset item with its ``total`` (price * quantity * m) for /json/{count}."""

    total: int


class JsonPage(msgspec.Struct):
    items: list[PricedItem]
    count: int


class ItemsPage(msgspec.Struct):
    """/async-db's answer."""

    items: list[Item]
    count: int


class CrudPage(msgspec.Struct):
    """GET /crud/items: one page of a category."""

    items: list[Item]
    total: int
    page: int
    limit: int


class NewItem(msgspec.Struct):
    """POST /crud/items: also what the 201 answers."""

    id: int
    name: str
    category: str
    price: int
    quantity: int


class ItemChange(msgspec.Struct):
    """PUT /crud/items/{id}'s body (the category is accepted and ignored, as the contract says)."""

    name: str
    price: int
    quantity: int
    category: str | None = None


class ChangedItem(msgspec.Struct):
    """PUT /crud/items/{id}'s answer."""

    id: int
    name: str
    price: int
    quantity: int


def load_dataset(path: str) -> list[Item]:
    """The dataset's items; an empty list when the file is absent (validation mounts it only
    for the profiles that need it)."""
    try:
        with open(path, "rb") as file:
            return msgspec.json.decode(file.read(), type=list[Item])
    except FileNotFoundError:
        return []


def priced(item: Item, multiplier: int) -> PricedItem:
    return PricedItem(
        id=item.id,
        name=item.name,
        category=item.category,
        price=item.price,
        quantity=item.quantity,
        active=item.active,
        tags=item.tags,
        rating=item.rating,
        total=item.price * item.quantity * multiplier,
    )
