"""The store's data, kept in memory (no database to set up): a few seeded products, the orders
placed since start-up, reviews and newsletter subscriptions.  ``STORE.reset()`` starts over."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import msgspec

from examples.store.models import (
    Category,
    Order,
    OrderIn,
    OrderStatus,
    Product,
    ProductIn,
    ProductPatch,
    Stats,
)

SEED_PRODUCTS = [
    Product(1, "Claw hammer", 1_990, Category.tools, ["steel"], "Forged head, ash handle"),
    Product(2, "Garden hose", 2_450, Category.garden, ["25 m"]),
    Product(3, "Chef's knife", 5_900, Category.kitchen, ["steel", "20 cm"]),
    Product(4, "Pruning shears", 1_500, Category.garden),
]


class UnknownProduct(LookupError):
    """An order line names a product the catalogue does not have."""


@dataclass
class Store:
    products: dict[int, Product] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    subscribers: dict[str, list[str]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def reset(self) -> None:
        self.products = {product.id: product for product in SEED_PRODUCTS}
        self.orders = {}
        self.reviews = {}
        self.subscribers = {}
        self._ids = itertools.count(100)

    def products_matching(self, q: str | None, category: Category | None) -> list[Product]:
        found = list(self.products.values())
        if q is not None:
            found = [p for p in found if q.lower() in p.name.lower()]
        if category is not None:
            found = [p for p in found if p.category == category]
        return list(found)

    def add_product(self, product_in: ProductIn) -> Product:
        product = Product(next(self._ids), **msgspec.structs.asdict(product_in))
        self.products[product.id] = product
        return product

    def replace_product(self, product_id: int, product_in: ProductIn) -> Product:
        product = Product(product_id, **msgspec.structs.asdict(product_in))
        self.products[product_id] = product
        return product

    def patch_product(self, product: Product, patch: ProductPatch) -> Product:
        changes = {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not None}
        patched = msgspec.structs.replace(product, **changes)
        self.products[product.id] = patched
        return patched

    def place_order(self, order_in: OrderIn) -> Order:
        total = 0
        for line in order_in.lines:
            product = self.products.get(line.product_id)
            if product is None:
                raise UnknownProduct(line.product_id)
            total += product.price_cents * line.quantity
        order = Order(
            next(self._ids),
            OrderStatus.pending,
            order_in.lines,
            order_in.payment,
            total,
            order_in.note,
        )
        self.orders[order.id] = order
        return order

    def cancel_order(self, order: Order) -> Order:
        cancelled = msgspec.structs.replace(order, status=OrderStatus.cancelled)
        self.orders[order.id] = cancelled
        return cancelled

    def stats(self) -> Stats:
        revenue = sum(o.total_cents for o in self.orders.values() if o.status != "cancelled")
        return Stats(len(self.products), len(self.orders), revenue)


STORE = Store()
STORE.reset()
