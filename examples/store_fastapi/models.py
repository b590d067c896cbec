"""The models of examples/store/models.py as FastAPI needs them: pydantic models (the dataclass
and the TypedDicts are kept as they are, FastAPI takes those)."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from examples.store.models import Category, OrderStatus

T = TypeVar("T")

ProductName = Annotated[
    str, Field(min_length=1, max_length=80, description="Shown in the shop", examples=["Hammer"])
]
Cents = Annotated[int, Field(ge=0, le=10_000_000, description="A price in euro cents")]
Quantity = Annotated[int, Field(ge=1, le=99)]


class Error(BaseModel):
    """What a failed request answers (e.g. a 404)."""

    detail: str


class ProductIn(BaseModel):
    """A product as a client sends it."""

    model_config = ConfigDict(extra="forbid")

    name: ProductName
    price_cents: Cents
    category: Category
    tags: Annotated[list[str], Field(max_length=10)] = []


class Product(BaseModel):
    """A product of the catalogue (``description`` left out when there is none)."""

    id: int
    name: ProductName
    price_cents: Cents
    category: Category
    tags: list[str] = []
    description: str | None = None


class ProductPatch(BaseModel):
    """The fields to change; the others keep their values."""

    model_config = ConfigDict(extra="forbid")

    name: ProductName | None = None
    price_cents: Cents | None = None


class Page(BaseModel, Generic[T]):
    """One page of a longer list."""

    items: list[T]
    total: int
    limit: int
    offset: int


class CardPayment(BaseModel):
    kind: Literal["card"]
    last4: Annotated[str, Field(pattern=r"^[0-9]{4}$", examples=["4242"])]


class VoucherPayment(BaseModel):
    kind: Literal["voucher"]
    code: Annotated[str, Field(min_length=4, max_length=16)]


class BankTransfer(BaseModel):
    kind: Literal["bank"]
    iban: Annotated[str, Field(min_length=15, max_length=34)]


Payment = Annotated[CardPayment | VoucherPayment | BankTransfer, Field(discriminator="kind")]


class OrderLine(BaseModel):
    product_id: Annotated[int, Field(ge=1)]
    quantity: Quantity


class OrderIn(BaseModel):
    """An order as a client places it: the payment is one of three kinds, told by ``kind``."""

    lines: Annotated[list[OrderLine], Field(min_length=1, max_length=20)]
    payment: Payment
    note: Annotated[str, Field(max_length=200)] | None = None


class Order(BaseModel):
    id: int
    status: OrderStatus
    lines: list[OrderLine]
    payment: Payment
    total_cents: int
    note: str | None = None


class Stats(BaseModel):
    """Counters for the staff (``productCount`` etc. on the wire)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    product_count: int
    order_count: int
    revenue_cents: int


class Preferences(BaseModel):
    theme: Literal["light", "dark"]
    language: str
