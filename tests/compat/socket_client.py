"""A TestClient-shaped WebSocket client over a real socket, for running the WebSocket
compatibility tests on Squall's server (the framework's native path) as well as in-process.

``SocketClient(base_url).websocket_connect(path)`` mirrors ``TestClient.websocket_connect``:
a ``with`` block whose session has ``send_*``/``receive_*``/``close`` and raises
``WebSocketDisconnect(code, reason)`` once the server has closed.  One difference the wire
imposes: a socket refused before accept is an HTTP 403 (:class:`Refused`), with no close code.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

import msgspec
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from squall import WebSocketDisconnect

# What every 101 carries: the rest are the headers the app added to its accept.
_HANDSHAKE_HEADERS = frozenset(
    ["upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol",
     "sec-websocket-extensions", "date", "server"]
)  # fmt: skip


class Refused(Exception):
    """The server refused the upgrade with an HTTP response (status and body)."""

    def __init__(self, status: int, body: bytes = b"") -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class SocketSession:
    """One WebSocket to the server (see the module docstring)."""

    __test__ = False

    def __init__(self, url: str, subprotocols: list[str] | None, headers: dict[str, str]) -> None:
        self.url = url
        self.subprotocols = subprotocols
        self.headers = headers
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self._ws: ClientConnection | None = None
        self._open = contextlib.ExitStack()

    def __enter__(self) -> SocketSession:
        try:
            ws = self._open.enter_context(
                connect(
                    self.url,
                    subprotocols=self.subprotocols,  # type: ignore[arg-type]
                    additional_headers=self.headers,
                    open_timeout=5,
                    close_timeout=5,
                )
            )
        except InvalidStatus as refused:
            raise Refused(refused.response.status_code, refused.response.body or b"") from None
        self._ws = ws
        self.accepted_subprotocol = ws.subprotocol
        assert ws.response is not None
        self.extra_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in ws.response.headers.raw_items()
            if name.lower() not in _HANDSHAKE_HEADERS
        ]
        return self

    def __exit__(self, *exc_info: Any) -> None:
        with self._open:
            self.close(1000)

    def _socket(self) -> ClientConnection:
        assert self._ws is not None, "use the session in a with block"
        return self._ws

    def send_text(self, data: str) -> None:
        self._socket().send(data)

    def send_bytes(self, data: bytes) -> None:
        self._socket().send(data)

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        encoded = msgspec.json.encode(data)
        self._socket().send(encoded if mode == "binary" else encoded.decode())

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        self._socket().close(code, reason or "")

    def _receive(self) -> str | bytes:
        try:
            return self._socket().recv(timeout=5)
        except ConnectionClosed as closed:
            frame = closed.rcvd
            code, reason = (1006, "") if frame is None else (frame.code, frame.reason)
            raise WebSocketDisconnect(code, reason) from None

    def receive_text(self) -> str:
        data = self._receive()
        assert isinstance(data, str), f"expected a text message, received {data!r}"
        return data

    def receive_bytes(self) -> bytes:
        data = self._receive()
        assert isinstance(data, bytes), f"expected a binary message, received {data!r}"
        return data

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        data = self.receive_text() if mode == "text" else self.receive_bytes()
        return msgspec.json.decode(data)


class SocketClient:
    """``websocket_connect`` to a running server at ``base_url`` (``http://host:port``)."""

    __test__ = False

    def __init__(self, base_url: str) -> None:
        self.base_url = "ws" + base_url.removeprefix("http")

    def websocket_connect(
        self,
        path: str,
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> SocketSession:
        return SocketSession(self.base_url + path, subprotocols, dict(headers or {}))
