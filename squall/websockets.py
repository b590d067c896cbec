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
from typing import Any, Final, Literal

import msgspec

from squall.exceptions import MessageValidationError
from squall.models import (
    MalformedBody,
    ValidationFailed,
    body_decoder,
    body_error,
    encode_extra,
    raw_body_decoder,
)
from squall.native import NativeWebSocket, WebSocketClosed
from squall.requests import Request

__all__ = ["WebSocket", "WebSocketDisconnect", "WebSocketState"]

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Mode = Literal["text", "binary"]
_encode_json = msgspec.json.Encoder(enc_hook=encode_extra).encode
_decoders: dict[Any, Callable[[Any], Any]] = {}  # receive_json's, one per type (str or bytes in)


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


_CONNECTED: Final = WebSocketState.CONNECTED  # (module globals: read per message)
_DISCONNECTED: Final = WebSocketState.DISCONNECTED


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
    _receive: Receive  # always set: the socket's ASGI receive, or the server's

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
        socket = self._socket
        if state is _CONNECTED and socket is not None:  # the usual: it runs per message
            try:
                data = await socket.receive_message()
            except WebSocketClosed as closed:
                self.client_state = _DISCONNECTED
                return {
                    "type": "websocket.disconnect",
                    "code": closed.code,
                    "reason": closed.reason,
                }
            if type(data) is str:
                return {"type": "websocket.receive", "text": data}
            return {"type": "websocket.receive", "bytes": data}
        if state is _CONNECTED:
            message = await self._receive()
            kind = message["type"]
            if kind != "websocket.receive":
                _check_kind(kind, "websocket.receive", "websocket.disconnect")
                self.client_state = _DISCONNECTED
            return message
        if state is _DISCONNECTED:
            raise RuntimeError("the client has disconnected: there is nothing more to receive")
        message = await self._receive()
        _check_kind(message["type"], "websocket.connect")
        self.client_state = _CONNECTED
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
    #
    # On Squall's server each method reads the socket itself (``receive_message``: a str or
    # bytes, no message dict) inside its own coroutine, with no coroutine of ours between it
    # and the socket's wait: each layer is paid on every message (README, "WebSocket").

    async def _receive_data(self) -> Message:
        """The next ``websocket.receive`` message; raises WebSocketDisconnect at the end."""
        if self.application_state is not _CONNECTED:
            raise RuntimeError("the WebSocket is not connected: call accept() first")
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        return message

    def _unreadable(self) -> RuntimeError:
        """Why the native socket may not be read now (not accepted, or the client gone)."""
        if self.application_state is not _CONNECTED:
            return RuntimeError("the WebSocket is not connected: call accept() first")
        return RuntimeError("the client has disconnected: there is nothing more to receive")

    def _gone(self, closed: WebSocketClosed) -> WebSocketDisconnect:
        self.client_state = _DISCONNECTED
        return WebSocketDisconnect(closed.code, closed.reason)

    async def receive_text(self) -> str:
        # Each receive_* reads the native socket itself: a shared coroutine for the read
        # would be one more frame per message (README, "WebSocket": instructions per echo).
        socket = self._socket
        if socket is None:
            text = (await self._receive_data()).get("text")
            if text is None:
                raise _wrong_kind(str)
            return str(text)
        if self.client_state is not _CONNECTED or self.application_state is not _CONNECTED:
            raise self._unreadable()
        try:
            data = await socket.receive_message()
        except WebSocketClosed as closed:
            raise self._gone(closed) from None
        if type(data) is not str:
            raise _wrong_kind(str)
        return data

    async def receive_bytes(self) -> bytes:
        socket = self._socket
        if socket is None:
            binary = (await self._receive_data()).get("bytes")
            if binary is None:
                raise _wrong_kind(bytes)
            return bytes(binary)
        if self.client_state is not _CONNECTED or self.application_state is not _CONNECTED:
            raise self._unreadable()
        try:
            data = await socket.receive_message()
        except WebSocketClosed as closed:
            raise self._gone(closed) from None
        if type(data) is not bytes:
            raise _wrong_kind(bytes)
        return data

    async def receive_json(self, mode: Mode = "text", *, type: Any = Any) -> Any:
        """The next message decoded from JSON (text or binary: either is read), into
        ``type`` when given; raises MessageValidationError when it does not fit."""
        payload: str | bytes
        socket = self._socket
        if socket is None:
            message = await self._receive_data()
            payload = message.get("text") or message.get("bytes") or b""
        else:
            if self.client_state is not _CONNECTED or self.application_state is not _CONNECTED:
                raise self._unreadable()
            try:
                payload = await socket.receive_message()
            except WebSocketClosed as closed:
                raise self._gone(closed) from None
        return _decode_json(payload, type)

    def iter_text(self) -> AsyncIterator[str]:
        """Each text message until the client disconnects (then the loop just ends)."""
        socket = self._socket
        if socket is None:
            return self._iter_asgi(self.receive_text)
        return self._iter_native(socket, str)

    def iter_bytes(self) -> AsyncIterator[bytes]:
        """Each binary message until the client disconnects (then the loop just ends)."""
        socket = self._socket
        if socket is None:
            return self._iter_asgi(self.receive_bytes)
        return self._iter_native(socket, bytes)

    async def iter_json(self, *, type: Any = Any) -> AsyncIterator[Any]:
        """Each message decoded as ``receive_json`` does, until the client disconnects."""
        try:
            while True:
                yield await self.receive_json(type=type)
        except WebSocketDisconnect:
            pass

    async def _iter_native(self, socket: NativeWebSocket, kind: type[Any]) -> AsyncIterator[Any]:
        """``iter_text``/``iter_bytes`` on the native socket: the loop of ``receive_text``
        inline, so each message costs no coroutine of its own."""
        receive = socket.receive_message
        while True:
            if self.client_state is not _CONNECTED or self.application_state is not _CONNECTED:
                raise self._unreadable()
            try:
                data = await receive()
            except WebSocketClosed as closed:
                self._gone(closed)
                return
            if type(data) is not kind:
                raise _wrong_kind(kind)
            yield data

    @staticmethod
    async def _iter_asgi(receive: Callable[[], Awaitable[Any]]) -> AsyncIterator[Any]:
        try:
            while True:
                yield await receive()
        except WebSocketDisconnect:
            pass

    # -- Sending ------------------------------------------------------------------------------
    #
    # ``send_message`` raises the OSError of a gone client when called, not when awaited (it
    # returns a future, done unless the write buffer must drain): so no coroutine of ours
    # wraps it.

    async def send_text(self, data: str) -> None:
        socket = self._socket
        if socket is not None and self.application_state is _CONNECTED:
            try:
                sent = socket.send_message(data)
            except OSError:  # the client is gone
                raise self._send_failed() from None
            await sent
        else:  # ASGI; or not accepted yet, or closed: send() raises the error
            await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        socket = self._socket
        if socket is not None and self.application_state is _CONNECTED:
            try:
                sent = socket.send_message(data)
            except OSError:
                raise self._send_failed() from None
            await sent
        else:
            await self.send({"type": "websocket.send", "bytes": data})

    def _send_failed(self) -> WebSocketDisconnect:
        """A send found the client gone (ASGI 2.4: the server raises an OSError)."""
        self.application_state = _DISCONNECTED
        return WebSocketDisconnect(1006)

    async def send_json(self, data: Any, mode: Mode = "text") -> None:
        """``data`` encoded with msgspec (Structs, dataclasses, pydantic models too), as a
        text message, or a binary one with ``mode="binary"``."""
        encoded = _encode_json(data)
        message: str | bytes = encoded if mode == "binary" else encoded.decode()
        socket = self._socket
        if socket is not None and self.application_state is _CONNECTED:
            try:
                sent = socket.send_message(message)
            except OSError:
                raise self._send_failed() from None
            await sent
        elif mode == "binary":
            await self.send({"type": "websocket.send", "bytes": message})
        else:
            await self.send({"type": "websocket.send", "text": message})


def _check_kind(kind: str, *expected: str) -> None:
    """An ASGI message of ``kind`` where one of ``expected`` must come: RuntimeError if not."""
    if kind not in expected:
        raise RuntimeError(f"expected {' or '.join(expected)}, received {kind!r}")


def _decode_json(payload: str | bytes, annotation: Any) -> Any:
    """A message's JSON as ``annotation`` (msgspec reads str and bytes alike)."""
    decode = _decoders.get(annotation)
    if decode is None:
        decode = _decoders[annotation] = _json_decoder(annotation)
    try:
        return decode(payload)
    except msgspec.DecodeError as exc:  # msgspec's own decoder, with no wrapper around it
        error = body_error(exc, ["message"])
    except (ValidationFailed, MalformedBody) as exc:  # a pydantic model's decoder
        error = exc
    if isinstance(error, ValidationFailed):
        raise MessageValidationError(error.errors()) from None
    detail = {"loc": ["message"], "msg": f"Malformed JSON: {error}", "type": "json_invalid"}
    raise MessageValidationError([detail]) from None


def _json_decoder(annotation: Any) -> Callable[[Any], Any]:
    """msgspec's decoder itself where it serves (no wrapper: one call less per message)."""
    return raw_body_decoder(body_decoder(annotation, ["message"]))


def _wrong_kind(expected: type[Any]) -> MessageValidationError:
    """A message of the other kind than ``expected`` (str: text, bytes: binary)."""
    wanted, got = ("a text message", "a binary one")
    if expected is bytes:
        wanted, got = ("a binary message", "a text one")
    message = f"expected {wanted}, received {got}"
    return MessageValidationError([{"loc": ["message"], "msg": message, "type": "message_type"}])


def _raw_headers(
    headers: Mapping[str, str] | Iterable[tuple[bytes, bytes]],
) -> list[tuple[bytes, bytes]]:
    if isinstance(headers, Mapping):
        return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    return [(bytes(k), bytes(v)) for k, v in headers]
