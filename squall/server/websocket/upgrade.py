"""Where an HTTP/1.1 connection hands its transport to a WebSocket (or refuses the upgrade).

The WebSocket then runs the app's native WebSocket handler when it has one (see
``squall.native``), else the ASGI app (``WebSocketConnection.begin``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from squall.server.websocket.codec import CodecFactory
from squall.server.websocket.connection import WebSocketConnection
from squall.server.websocket.handshake import Refusal, check, refusal_response

if TYPE_CHECKING:
    from squall.server.exchange import Exchange
    from squall.server.http11.connection import HttpConnection

Upgrade = Callable[["HttpConnection", "Exchange", bytes], None]


def upgrader(factory: CodecFactory) -> Upgrade:
    """The ``upgrade(connection, exchange, early_data)`` call of servers with WebSocket on."""

    def upgrade(connection: HttpConnection, exchange: Exchange, early_data: bytes) -> None:
        result = check(exchange.method, exchange.http_version, exchange.headers)
        if isinstance(result, Refusal):
            connection.write(refusal_response(result, connection.state.default_headers))
            connection.close()
            return
        transport = connection.transport
        connection.hand_over()
        websocket = WebSocketConnection(connection.state, transport, exchange, result, factory)
        transport.set_protocol(websocket)  # type: ignore[arg-type]  # a protocol by its methods
        websocket.begin(early_data)

    return upgrade
