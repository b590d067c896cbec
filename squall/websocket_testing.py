"""``TestClient.websocket_connect``: talk to an app's WebSocket route in-process, no socket.

::

    with client.websocket_connect("/ws/lobby?token=abc") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "lobby: hello"

The app runs as a task on the client's event loop thread; the session hands it ASGI
messages through two queues.  Entering waits for the app's answer to the handshake: an
accept (``accepted_subprotocol`` and ``extra_headers`` are then set) or a refusal, raised as
``WebSocketDisconnect(code, reason)`` as Starlette's client does, or an HTTP response of the
app's (the ``websocket.http.response`` extension, e.g. an ``HTTPException`` raised before
``accept()``), raised as ``WebSocketDenialResponse``: an ``httpx.Response`` with its status,
headers and body.  ``receive_*`` raise
``WebSocketDisconnect`` when the app closes; an exception the app left unhandled (logged and
closed with 1011) is raised in the test, unless the client says
``raise_server_exceptions=False``.  Leaving the block disconnects (1000) and waits for the
app to end.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote

import httpx
import msgspec

from squall.models import encode_extra
from squall.requests import UNHANDLED
from squall.websockets import WebSocketDisconnect

if TYPE_CHECKING:
    from squall.testing import TestClient

Message = dict[str, Any]
_encode_json = msgspec.json.Encoder(enc_hook=encode_extra).encode
_HANDSHAKE_HEADERS = {
    "connection": "upgrade",
    "upgrade": "websocket",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",  # RFC 6455's example: any will do here
    "sec-websocket-version": "13",
}


class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):
    """The app refused the handshake with an HTTP response: read it as an ``httpx.Response``
    (``status_code``, ``headers``, ``text``, ``json()``); also a ``WebSocketDisconnect``."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        httpx.Response.__init__(self, status, headers=headers, content=body)
        WebSocketDisconnect.__init__(self, 1000, f"HTTP {status}")

    def __reduce__(self) -> tuple[Any, ...]:  # as the exception it is: built again from its parts
        return type(self), (self.status_code, self.headers.raw, self.content)

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        """Both bases define this (differently); the response's state is what this carries."""
        httpx.Response.__setstate__(self, state or {})


class WebSocketTestSession:
    """One in-process WebSocket connection to the client's app; see the module docstring."""

    __test__ = False

    def __init__(self, client: TestClient, scope: Message) -> None:
        self.client = client
        self.scope = scope
        self.unhandled: list[BaseException] = scope["extensions"][UNHANDLED]
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []
        self._to_app: asyncio.Queue[Message] | None = None
        self._from_app: asyncio.Queue[Message] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed_by_client = False

    def _run(self, coro: Any) -> Any:
        return self.client._loop().run(coro)

    # -- Opening and closing ------------------------------------------------------------------

    def __enter__(self) -> WebSocketTestSession:
        self._run(self._start())
        self.send({"type": "websocket.connect"})
        message = self.receive()
        if message["type"] == "websocket.http.response.start":
            raise self._denial(message)
        if message["type"] == "websocket.close":
            self._run(self._finish())
            self._raise_unhandled()
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        self.accepted_subprotocol = message.get("subprotocol")
        self.extra_headers = [(bytes(k), bytes(v)) for k, v in message.get("headers") or []]
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if not self._closed_by_client:
            self.close(1000)
        self._run(self._finish())
        if exc_info[0] is None:
            self._raise_unhandled()

    def _denial(self, start: Message) -> WebSocketDenialResponse:
        """The app's HTTP answer to the handshake: its start message, then body messages up
        to the one without ``more_body``."""
        body = bytearray()
        while True:
            message = self.receive()
            if message["type"] != "websocket.http.response.body":
                raise RuntimeError(
                    f"expected websocket.http.response.body, got {message['type']!r}"
                )
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self._run(self._finish())
        self._raise_unhandled()
        headers = [(bytes(k), bytes(v)) for k, v in start.get("headers") or []]
        return WebSocketDenialResponse(int(start["status"]), headers, bytes(body))

    async def _start(self) -> None:
        self._to_app = asyncio.Queue()
        self._from_app = asyncio.Queue()
        app = self.client.app
        self._task = asyncio.get_running_loop().create_task(
            app(self.scope, self._to_app.get, self._from_app.put)
        )

    async def _finish(self, timeout: float = 5.0) -> None:
        """Wait for the app to end (cancelled after ``timeout``); its exception is raised."""
        task = self._task
        assert task is not None
        done, _ = await asyncio.wait([task], timeout=timeout)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise TimeoutError(f"the WebSocket app did not end within {timeout} s of the close")
        task.result()

    def _raise_unhandled(self) -> None:
        if self.unhandled and self.client.raise_server_exceptions:
            raise self.unhandled[0]

    # -- Raw messages -------------------------------------------------------------------------

    def send(self, message: Message) -> None:
        """Hand the app an ASGI message (what its ``receive`` returns next)."""
        assert self._to_app is not None, "use the session in a with block"
        self._run(self._to_app.put(message))

    def receive(self) -> Message:
        """The app's next ASGI message; when the app ends without closing, a close 1000
        (what a server sends for it) or its exception."""
        message: Message = self._run(self._next())
        if message["type"] == "websocket.close":
            self._raise_unhandled()
        return message

    async def _next(self) -> Message:
        inbox, task = self._from_app, self._task
        assert inbox is not None and task is not None
        if inbox.empty() and not task.done():
            getting = asyncio.ensure_future(inbox.get())
            await asyncio.wait([getting, task], return_when=asyncio.FIRST_COMPLETED)
            if getting.done():
                return getting.result()
            getting.cancel()
        if not inbox.empty():
            return inbox.get_nowait()
        task.result()  # raises the app's exception
        return {"type": "websocket.close", "code": 1000, "reason": ""}

    # -- Messages -----------------------------------------------------------------------------

    def send_text(self, data: str) -> None:
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        encoded = _encode_json(data)
        if mode == "binary":
            self.send_bytes(encoded)
        else:
            self.send_text(encoded.decode())

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """The client closes: the app's ``receive`` gets ``websocket.disconnect``."""
        self._closed_by_client = True
        self.send({"type": "websocket.disconnect", "code": code, "reason": reason or ""})

    def _data(self) -> Message:
        message = self.receive()
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        return message

    def receive_text(self) -> str:
        return str(self._data()["text"])

    def receive_bytes(self) -> bytes:
        return bytes(self._data()["bytes"])

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        message = self._data()
        return msgspec.json.decode(message["text"] if mode == "text" else message["bytes"])


def websocket_scope(
    client: TestClient, path: str, subprotocols: list[str] | None, headers: dict[str, str] | None
) -> Message:
    """The ``websocket`` scope of a connection to ``path``, with the client's base URL,
    default headers and cookies (as a request from it would carry)."""
    wanted = dict(_HANDSHAKE_HEADERS)
    if subprotocols:
        wanted["sec-websocket-protocol"] = ", ".join(subprotocols)
    wanted.update(headers or {})
    request = client.build_request("GET", path, headers=wanted)
    url = request.url
    scheme = "wss" if url.scheme == "https" else "ws"
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": scheme,
        "path": unquote(url.path),
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "root_path": client.root_path,
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "client": client.client_address,
        "server": (url.host, url.port or (443 if scheme == "wss" else 80)),
        "subprotocols": list(subprotocols or []),
        "state": dict(client.state),
        "extensions": {UNHANDLED: [], "websocket.http.response": {}},
    }
