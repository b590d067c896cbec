"""The store's models: msgspec Structs for most things, plus one dataclass and a few TypedDicts
(pydantic is kept to the reviews, in reviews.py), so the document shows each kind."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated, Generic, Literal, TypedDict, TypeVar

import msgspec

T = TypeVar("T")

ProductName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=80, description="Shown in the shop", examples=["Hammer"]),
]
Cents = Annotated[int, msgspec.Meta(ge=0, le=10_000_000, description="A price in euro cents")]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=99)]


class Error(msgspec.Struct):
    """What a failed request answers (e.g. a 404)."""

    detail: str


class Category(enum.StrEnum):
    tools = "tools"
    garden = "garden"
    kitchen = "kitchen"


class OrderStatus(enum.StrEnum):
    pending = "pending"
    paid = "paid"
    cancelled = "cancelled"


class ProductIn(msgspec.Struct, forbid_unknown_fields=True):
    """A product as a client sends it."""

    name: ProductName
    price_cents: Cents
    category: Category
    tags: Annotated[list[str], msgspec.Meta(max_length=10)] = []


class Product(msgspec.Struct, omit_defaults=True):
    """A product of the catalogue (``description`` left out when there is none)."""

    id: int
    name: ProductName
    price_cents: Cents
    category: Category
    tags: list[str] = []
    description: str | None = None


class ProductPatch(msgspec.Struct, forbid_unknown_fields=True):
    """The fields to change; the others keep their values."""

    name: ProductName | None = None
    price_cents: Cents | None = None


class Page(msgspec.Struct, Generic[T]):
    """One page of a longer list."""

    items: list[T]
    total: int
    limit: int
    offset: int


class CardPayment(msgspec.Struct, tag="card", tag_field="kind"):
    last4: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}$", examples=["4242"])]


class VoucherPayment(msgspec.Struct, tag="voucher", tag_field="kind"):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=16)]


class BankTransfer(msgspec.Struct, tag="bank", tag_field="kind"):
    iban: Annotated[str, msgspec.Meta(min_length=15, max_length=34)]


Payment = CardPayment | VoucherPayment | BankTransfer


class OrderLine(msgspec.Struct):
    product_id: Annotated[int, msgspec.Meta(ge=1)]
    quantity: Quantity


class OrderIn(msgspec.Struct):
    """An order as a client places it: the payment is one of three kinds, told by ``kind``."""

    lines: Annotated[list[OrderLine], msgspec.Meta(min_length=1, max_length=20)]
    payment: Payment
    note: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class Order(msgspec.Struct):
    id: int
    status: OrderStatus
    lines: list[OrderLine]
    payment: Payment
    total_cents: int
    note: str | None = None


class Stats(msgspec.Struct, rename="camel"):
    """Counters for the staff (``productCount`` etc. on the wire)."""

    product_count: int
    order_count: int
    revenue_cents: int


class Preferences(msgspec.Struct):
    theme: Literal["light", "dark"]
    language: str


@dataclass
class Customer:
    """The signed-in customer."""

    username: str
    full_name: str
    scopes: list[str] = field(default_factory=list)


class Token(TypedDict):
    access_token: str
    token_type: str


class Subscription(TypedDict):
    email: str
    topics: list[str]


class ImageInfo(TypedDict):
    product_id: int
    filename: str
    content_type: str
    size: int
