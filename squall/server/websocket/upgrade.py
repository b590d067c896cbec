"""Where an HTTP/1.1 connection hands its transport to a WebSocket (or refuses the upgrade)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from squall.server.exchange import ASGI_VERSION
from squall.server.proxy_headers import websocket_scheme
from squall.server.websocket.codec import CodecFactory
from squall.server.websocket.connection import WebSocketConnection
from squall.server.websocket.handshake import Handshake, Refusal, check, refusal_response

if TYPE_CHECKING:
    from squall.server.exchange import Exchange
    from squall.server.http11.connection import HttpConnection

Upgrade = Callable[["HttpConnection", "Exchange", bytes], None]
EXTENSIONS: dict[str, Any] = {"websocket.http.response": {}}


def websocket_scope(exchange: Exchange, handshake: Handshake) -> dict[str, Any]:
    """The ASGI ``websocket`` scope of an upgrade request (spec 2.4)."""
    return {
        "type": "websocket",
        "asgi": ASGI_VERSION,
        "http_version": exchange.http_version,
        "scheme": websocket_scheme(exchange.scheme),
        "server": exchange.server,
        "client": exchange.client,
        "root_path": exchange.root_path,
        "path": exchange.path,
        "raw_path": exchange.raw_path,
        "query_string": exchange.query_string,
        "headers": exchange.headers,
        "subprotocols": handshake.subprotocols,
        "state": exchange.state,
        "extensions": {name: dict(value) for name, value in EXTENSIONS.items()},
    }


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
        websocket = WebSocketConnection(
            connection.state, transport, websocket_scope(exchange, result), result, factory
        )
        transport.set_protocol(websocket)  # type: ignore[arg-type]  # a protocol by its methods
        websocket.begin(early_data)

    return upgrade
