"""The framework's WebSocket: the ASGI ``websocket`` scope as a typed object.

A handler gets a ``WebSocket`` (annotate a parameter with it), accepts, exchanges messages
and closes::

    @app.websocket("/ws/{room}")
    async def chat(websocket: WebSocket, room: str) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():  # ends when the client disconnects
            await websocket.send_text(f"{room}: {text}")

``receive_*`` raise ``WebSocketDisconnect(code, reason)`` once the client has gone.
``receive_json(type=Model)`` decodes into a msgspec Struct, dataclass, TypedDict, builtin
or pydantic model; a message that does not fit raises ``MessageValidationError`` (catch it
to answer and go on; left uncaught, the socket is closed with 1003, unsupported data).

The connection's side (URL, headers, query and path parameters, cookies, client, state,
scope, app) is the request's: ``WebSocket`` extends ``Request``, so dependencies written for
requests (reading headers or cookies, taking ``Request``) serve WebSocket routes too.

Two backends: on Squall's server the App hands each socket over natively
(``WebSocket.from_native``: ``accept``/``receive_*``/``send_*``/``close`` call the server's
socket directly, with plain ``str``/``bytes`` messages); under any other server, and with
``TestClient``, it is ASGI's ``receive``/``send`` and their message dicts.  ``receive()`` and
``send()`` (ASGI messages) work on both.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal

import msgspec

from squall.exceptions import MessageValidationError
from squall.models import MalformedBody, ValidationFailed, body_decoder, encode_extra
from squall.native import NativeWebSocket, WebSocketClosed
from squall.requests import Request

__all__ = ["WebSocket", "WebSocketDisconnect", "WebSocketState"]

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Mode = Literal["text", "binary"]
_encode_json = msgspec.json.Encoder(enc_hook=encode_extra).encode
_decoders: dict[Any, Callable[[bytes], Any]] = {}  # receive_json's, one per type


class WebSocketState(enum.Enum):
    """One side of the socket: before the handshake, open, gone."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2


class WebSocketDisconnect(Exception):
    """The client closed the socket (or it was lost: 1006) while the app read from it."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""

    def __repr__(self) -> str:
        return f"WebSocketDisconnect(code={self.code!r}, reason={self.reason!r})"


async def _no_body() -> bytes:
    raise RuntimeError("a WebSocket has no request body: read messages with receive_*()")


# What the app may send in each of its states, and the state each message leads to.
_SENDS: dict[WebSocketState, dict[str, WebSocketState]] = {
    WebSocketState.CONNECTING: {
        "websocket.accept": WebSocketState.CONNECTED,
        "websocket.close": WebSocketState.DISCONNECTED,
    },
    WebSocketState.CONNECTED: {
        "websocket.send": WebSocketState.CONNECTED,
        "websocket.close": WebSocketState.DISCONNECTED,
    },
    WebSocketState.DISCONNECTED: {},
}


class WebSocket(Request):
    """A WebSocket connection; see the module docstring."""

    _socket: NativeWebSocket | None = None  # Squall's server's socket (the native backend)

    def __init__(self, scope: dict[str, Any], receive: Receive, send: Send, app: Any = None):
        super().__init__(
            "GET", scope["path"], scope.get("query_string", b""), scope["headers"], _no_body, scope
        )
        self._receive = receive
        self._send = send
        self.app = app
        self.client_state = WebSocketState.CONNECTING  # what the client did
        self.application_state = WebSocketState.CONNECTING  # what the app did
        self.accepted_subprotocol: str | None = None

    @classmethod
    def from_native(cls, socket: NativeWebSocket, app: Any = None) -> WebSocket:  # type: ignore[override]
        """The WebSocket of a socket Squall's server hands over (see ``squall.native``)."""
        websocket = cls.__new__(cls)
        Request.__init__(
            websocket, "GET", socket.path, socket.query_string, socket.headers, _no_body
        )
        websocket._native = websocket._socket = socket
        websocket._receive = socket.receive
        websocket._send = socket.send
        websocket.app = app
        websocket.client_state = WebSocketState.CONNECTING
        websocket.application_state = WebSocketState.CONNECTING
        websocket.accepted_subprotocol = None
        return websocket

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        if self._socket is not None:
            return list(self._socket.subprotocols)
        return list(self.scope.get("subprotocols") or [])

    async def is_disconnected(self) -> bool:
        return self.client_state is WebSocketState.DISCONNECTED

    # -- Raw ASGI messages -------------------------------------------------------------------

    async def receive(self) -> Message:
        """The next ASGI message: ``websocket.connect`` first, then ``websocket.receive``
        until ``websocket.disconnect``."""
        state = self.client_state
        if state is WebSocketState.DISCONNECTED:
            raise RuntimeError("the client has disconnected: there is nothing more to receive")
        assert self._receive is not None
        message = await self._receive()
        kind = message["type"]
        expected = (
            ("websocket.connect",)
            if state is WebSocketState.CONNECTING
            else ("websocket.receive", "websocket.disconnect")
        )
        if kind not in expected:
            raise RuntimeError(f"expected {' or '.join(expected)}, received {kind!r}")
        if kind == "websocket.connect":
            self.client_state = WebSocketState.CONNECTED
        elif kind == "websocket.disconnect":
            self.client_state = WebSocketState.DISCONNECTED
        return message

    async def send(self, message: Message) -> None:
        """Send an ASGI message, checked against the app's state (accept first, nothing
        after close).  A send to a socket the client has gone from raises
        ``WebSocketDisconnect(1006)``."""
        after = _SENDS[self.application_state].get(message["type"])
        if after is None:  # (the check inline: this runs per message on the ASGI path)
            after = self._state_after(message["type"])  # raises, saying why
        try:
            await self._send(message)
        except OSError:  # ASGI 2.4: the server's way of saying the client is gone
            raise self._send_failed() from None
        self.application_state = after

    def _state_after(self, kind: str) -> WebSocketState:
        """The app's state once it sends a message of ``kind``; RuntimeError if it may not."""
        state = self.application_state
        after = _SENDS[state].get(kind)
        if after is None:
            allowed = " or ".join(_SENDS[state]) or "nothing"
            raise RuntimeError(f"cannot send {kind!r} now ({state.name.lower()}): send {allowed}")
        return after

    # -- The handshake and the close ----------------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Mapping[str, str] | Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Complete the handshake, choosing ``subprotocol`` (one of ``subprotocols``) and
        adding ``headers`` to the server's 101 response."""
        socket = self._socket
        if socket is not None and self.application_state is WebSocketState.CONNECTING:
            socket.accept(subprotocol, _raw_headers(headers) if headers else ())
            self.client_state = self.application_state = WebSocketState.CONNECTED
            self.accepted_subprotocol = subprotocol
            return
        if self.client_state is WebSocketState.CONNECTING:
            await self.receive()  # the client's websocket.connect
        message: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            message["headers"] = _raw_headers(headers)
        await self.send(message)
        self.accepted_subprotocol = subprotocol

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the socket; before ``accept()`` this refuses it (the server answers 403)."""
        socket = self._socket
        if socket is None or self.application_state is WebSocketState.DISCONNECTED:
            await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})
            return
        self.application_state = WebSocketState.DISCONNECTED
        try:
            socket.close(code, reason or "")
        except OSError:  # the client is gone already
            raise WebSocketDisconnect(1006) from None

    @property
    def can_deny(self) -> bool:
        """True when the server can refuse the handshake with an HTTP response of the app's
        (the ``websocket.http.response`` extension: Squall's server, uvicorn...)."""
        if self._socket is not None:
            return True
        return "websocket.http.response" in (self.scope.get("extensions") or {})

    async def send_denial_response(self, response: Any) -> None:
        """Refuse the handshake with ``response`` (a ``Response``: status, headers and a
        bytes body) instead of a 403; before ``accept()`` only, where ``can_deny``."""
        self._state_after("websocket.close")  # raises once accepted or closed
        status, headers, body = response.status_code, response.raw_headers, response.body
        self.application_state = WebSocketState.DISCONNECTED
        socket = self._socket
        if socket is not None:
            socket.respond(status, headers, body)
            return
        if not self.can_deny:
            raise RuntimeError("the server does not support the websocket.http.response extension")
        start = {"type": "websocket.http.response.start", "status": status, "headers": headers}
        await self._send(start)
        await self._send({"type": "websocket.http.response.body", "body": body})

    async def close_if_open(self, code: int, reason: str = "") -> None:
        """Close unless the app already closed or the client is gone (error paths)."""
        gone = self.client_state is WebSocketState.DISCONNECTED
        if self.application_state is WebSocketState.DISCONNECTED or (
            gone and self.application_state is WebSocketState.CONNECTED
        ):
            return
        with contextlib.suppress(WebSocketDisconnect):
            await self.close(code, reason)

    # -- Receiving ----------------------------------------------------------------------------

    async def _receive_data(self) -> Message:
        """The next ``websocket.receive`` message; raises WebSocketDisconnect at the end."""
        if self.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError("the WebSocket is not connected: call accept() first")
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        return message

    def _next_native(self, socket: NativeWebSocket) -> Awaitable[str | bytes]:
        """The socket's next message (a plain call, not a coroutine: it runs per message);
        awaiting it raises WebSocketClosed at the end (see ``_gone``)."""
        if self.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError("the WebSocket is not connected: call accept() first")
        if self.client_state is WebSocketState.DISCONNECTED:
            raise RuntimeError("the client has disconnected: there is nothing more to receive")
        return socket.receive_message()

    def _gone(self, closed: WebSocketClosed) -> WebSocketDisconnect:
        self.client_state = WebSocketState.DISCONNECTED
        return WebSocketDisconnect(closed.code, closed.reason)

    async def receive_text(self) -> str:
        socket = self._socket
        if socket is not None:
            try:
                data = await self._next_native(socket)
            except WebSocketClosed as closed:
                raise self._gone(closed) from None
            return _text(data)
        text = (await self._receive_data()).get("text")
        if text is None:
            raise _wrong_kind("a text message", "a binary one")
        return str(text)

    async def receive_bytes(self) -> bytes:
        socket = self._socket
        if socket is not None:
            try:
                data = await self._next_native(socket)
            except WebSocketClosed as closed:
                raise self._gone(closed) from None
            if isinstance(data, str):
                raise _wrong_kind("a binary message", "a text one")
            return data
        binary = (await self._receive_data()).get("bytes")
        if binary is None:
            raise _wrong_kind("a binary message", "a text one")
        return bytes(binary)

    async def receive_json(self, mode: Mode = "text", *, type: Any = Any) -> Any:
        """The next message decoded from JSON (text or binary: either is read), into
        ``type`` when given; raises MessageValidationError when it does not fit."""
        payload: str | bytes
        socket = self._socket
        if socket is not None:
            try:
                payload = await self._next_native(socket)
            except WebSocketClosed as closed:
                raise self._gone(closed) from None
        else:
            message = await self._receive_data()
            payload = message.get("text") or message.get("bytes") or b""
        try:
            return _decoder(type)(payload.encode() if isinstance(payload, str) else payload)
        except ValidationFailed as exc:
            raise MessageValidationError(exc.errors()) from None
        except MalformedBody as exc:
            error = {"loc": ["message"], "msg": f"Malformed JSON: {exc}", "type": "json_invalid"}
            raise MessageValidationError([error]) from None

    async def iter_text(self) -> AsyncIterator[str]:
        """Each text message until the client disconnects (then the loop just ends)."""
        socket = self._socket
        if socket is not None:  # the loop of receive_text, inline: one coroutine less each
            receive = socket.receive_message
            connected, gone = WebSocketState.CONNECTED, WebSocketState.DISCONNECTED
            while True:
                if self.application_state is not connected or self.client_state is gone:
                    self._next_native(socket)  # raises, saying why
                try:
                    data = await receive()
                except WebSocketClosed as closed:
                    self._gone(closed)
                    return
                if type(data) is not str:
                    raise _wrong_kind("a text message", "a binary one")
                yield data
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self, *, type: Any = Any) -> AsyncIterator[Any]:
        try:
            while True:
                yield await self.receive_json(type=type)
        except WebSocketDisconnect:
            pass

    # -- Sending ------------------------------------------------------------------------------

    async def send_text(self, data: str) -> None:
        socket = self._socket
        if socket is not None and self.application_state is WebSocketState.CONNECTED:
            try:
                await socket.send_message(data)
            except OSError:  # the client is gone
                raise self._send_failed() from None
        else:  # ASGI; or not accepted yet, or closed: send() raises the error
            await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        socket = self._socket
        if socket is not None and self.application_state is WebSocketState.CONNECTED:
            try:
                await socket.send_message(data)
            except OSError:
                raise self._send_failed() from None
        else:
            await self.send({"type": "websocket.send", "bytes": data})

    def _send_failed(self) -> WebSocketDisconnect:
        """A send found the client gone (ASGI 2.4: the server raises an OSError)."""
        self.application_state = WebSocketState.DISCONNECTED
        return WebSocketDisconnect(1006)

    async def send_json(self, data: Any, mode: Mode = "text") -> None:
        """``data`` encoded with msgspec (Structs, dataclasses, pydantic models too), as a
        text message, or a binary one with ``mode="binary"``."""
        encoded = _encode_json(data)
        if mode == "binary":
            await self.send_bytes(encoded)
        else:
            await self.send_text(encoded.decode())


def _decoder(annotation: Any) -> Callable[[bytes], Any]:
    decode = _decoders.get(annotation)
    if decode is None:
        decode = _decoders[annotation] = body_decoder(annotation, ["message"])
    return decode


def _text(data: str | bytes) -> str:
    """A native message that must be text (MessageValidationError if it is binary)."""
    if type(data) is not str:
        raise _wrong_kind("a text message", "a binary one")
    return data


def _wrong_kind(expected: str, received: str) -> MessageValidationError:
    message = f"expected {expected}, received {received}"
    return MessageValidationError([{"loc": ["message"], "msg": message, "type": "message_type"}])


def _raw_headers(
    headers: Mapping[str, str] | Iterable[tuple[bytes, bytes]],
) -> list[tuple[bytes, bytes]]:
    if isinstance(headers, Mapping):
        return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return [(bytes(k), bytes(v)) for k, v in headers]
