"""Live order status over a WebSocket, described in the AsyncAPI document (/asyncapi.json).

A signed-in customer (OAuth2 token with the ``orders`` scope, in the handshake's
``Authorization`` header) follows one order: the current status on connecting, then each
change (a cancellation) as it happens; a ``ping`` is answered with a ``pong``.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from examples.store.auth import OrdersCustomer
from examples.store.data import STORE
from examples.store.models import Order, OrderStatus
from squall import Query, Router, WebSocket, WebSocketException
from squall.websockets import WebSocketDisconnect

router = Router(prefix="/live", tags=["orders"])


class Ping(msgspec.Struct, tag="ping"):
    """A keep-alive from the client; ``nonce`` comes back in the pong."""

    nonce: int = 0


class Pong(msgspec.Struct, tag="pong"):
    nonce: int


class OrderUpdate(msgspec.Struct, tag="order"):
    """An order's status: sent on connecting and whenever it changes."""

    order_id: int
    status: OrderStatus
    total_cents: Annotated[int, msgspec.Meta(ge=0)] | None = None


WATCHERS: dict[int, list[tuple[WebSocket, bool]]] = {}  # order id -> (socket, with_total)


def update_of(order: Order, with_total: bool) -> OrderUpdate:
    return OrderUpdate(order.id, order.status, order.total_cents if with_total else None)


async def publish(order: Order) -> None:
    """Tell everyone following ``order`` its new status."""
    for websocket, with_total in list(WATCHERS.get(order.id, ())):
        try:
            await websocket.send_json(update_of(order, with_total))
        except (WebSocketDisconnect, RuntimeError, ConnectionError):
            continue  # gone: its handler is leaving


@router.websocket("/orders/{order_id}", receives=Ping, sends=OrderUpdate | Pong)
async def follow_order(
    websocket: WebSocket,
    order_id: Annotated[int, msgspec.Meta(ge=1)],
    customer: OrdersCustomer,
    with_total: Annotated[bool, Query(description="Add the order's total")] = False,
) -> None:
    """Follow an order's status as it changes."""
    order = STORE.orders.get(order_id)
    if order is None:
        raise WebSocketException(1008, f"No order {order_id}")
    await websocket.accept()
    watcher = (websocket, with_total)
    WATCHERS.setdefault(order_id, []).append(watcher)
    try:
        await websocket.send_json(update_of(order, with_total))
        while True:
            ping = await websocket.receive_json(type=Ping)
            await websocket.send_json(Pong(ping.nonce))
    except WebSocketDisconnect:
        return
    finally:
        WATCHERS[order_id].remove(watcher)
