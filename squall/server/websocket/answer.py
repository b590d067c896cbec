"""How a WebSocket's opening handshake is answered: the one place that knows the wire.

The connection (connection.py) runs the same protocol over HTTP/1.1, after an upgrade, and over
an HTTP/2 stream opened by an extended CONNECT (RFC 8441,
``squall/server/http2/websocket_stream.py``).  Its frames go through ``transport.write`` either
way; only the answers to the handshake differ: HTTP/1.1's 101 with Sec-WebSocket-Accept, or its
error responses, against HTTP/2's HEADERS frames.  :data:`HTTP11` is HTTP/1.1's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from squall.server.http11 import wire
from squall.server.websocket.handshake import switching_protocols

if TYPE_CHECKING:
    from squall.server.websocket.connection import WebSocketConnection

# Fields an HTTP response over the socket may not carry: the body ends with the connection.
FRAMED_HERE = (b"connection", b"transfer-encoding", b"content-length")


class HandshakeAnswer(Protocol):
    def accepted(
        self,
        conn: WebSocketConnection,
        subprotocol: str | None,
        extensions: str | None,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        """Write the head that opens the socket (the codec is made: frames may follow)."""
        ...

    def refused(self, conn: WebSocketConnection, status: int, reason: str) -> None:
        """Write a plain-text error response; the caller then closes the transport."""
        ...

    def response_head(
        self, conn: WebSocketConnection, status: int, headers: Iterable[tuple[bytes, bytes]]
    ) -> None:
        """Write the head of the app's own HTTP response (the denial response extension);
        its body goes through ``transport.write``, ended by closing the transport."""
        ...


class Http11Answer:
    """HTTP/1.1: a 101 Switching Protocols, or a response that closes the connection."""

    def accepted(
        self,
        conn: WebSocketConnection,
        subprotocol: str | None,
        extensions: str | None,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        defaults = conn.server_state.default_headers
        key = conn.handshake.key
        conn.transport.write(switching_protocols(key, subprotocol, extensions, extra, defaults))

    def refused(self, conn: WebSocketConnection, status: int, reason: str) -> None:
        conn.transport.write(wire.error_response(status, reason, conn.server_state.default_headers))

    def response_head(
        self, conn: WebSocketConnection, status: int, headers: Iterable[tuple[bytes, bytes]]
    ) -> None:
        lines = [wire.status_line(status), conn.server_state.default_headers]
        for name, value in headers:
            if name.lower() in FRAMED_HERE:
                continue
            wire.check_header(name, value)
            lines.append(name + b": " + value + b"\r\n")
        lines.append(b"connection: close\r\n\r\n")
        conn.transport.write(b"".join(lines))


HTTP11 = Http11Answer()
