"""Orders: placed and read by signed-in customers (OAuth2 token with the ``orders`` scope)."""

from __future__ import annotations

from typing import Annotated

from examples.store import live
from examples.store.auth import OrdersCustomer
from examples.store.data import STORE, UnknownProduct
from examples.store.models import Error, Order, OrderIn, OrderStatus
from squall import Header, HTTPException, Router, status

router = Router(
    prefix="/orders",
    tags=["orders"],
    responses={404: {"model": Error, "description": "No such order"}},
)


def find_order(order_id: int) -> Order:
    order = STORE.orders.get(order_id)
    if order is None:
        raise HTTPException(404, f"No order {order_id}")
    return order


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": Error, "description": "A line names an unknown product"}},
)
async def place_order(
    order: OrderIn,
    customer: OrdersCustomer,
    idempotency_key: Annotated[
        str | None, Header(max_length=64, description="Repeat-safe retries")
    ] = None,
) -> Order:
    """Place an order; the payment is a card, a voucher or a bank transfer."""
    try:
        return STORE.place_order(order)
    except UnknownProduct as unknown:
        raise HTTPException(409, f"No product {unknown.args[0]}") from None


@router.get("")
async def list_orders(customer: OrdersCustomer, status: OrderStatus | None = None) -> list[Order]:
    """Your orders, optionally only those in one status."""
    return [o for o in STORE.orders.values() if status is None or o.status == status]


@router.get("/{order_id}")
async def read_order(order_id: int, customer: OrdersCustomer) -> Order:
    return find_order(order_id)


@router.post(
    "/{order_id}/cancel",
    operation_id="cancelOrder",
    responses={409: {"model": Error, "description": "The order is past cancelling"}},
)
async def cancel_order(order_id: int, customer: OrdersCustomer) -> Order:
    """Cancel an order that is not paid yet."""
    order = find_order(order_id)
    if order.status != OrderStatus.pending:
        raise HTTPException(409, "Only pending orders can be cancelled")
    cancelled = STORE.cancel_order(order)
    await live.publish(cancelled)  # the order's followers hear of it (examples/store/live.py)
    return cancelled
