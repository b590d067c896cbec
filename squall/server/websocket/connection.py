"""One WebSocket after the upgrade: the asyncio protocol, the ASGI app's messages, the timers.

The HTTP/1.1 connection hands its transport over (``upgrade.py``) with a valid handshake; the
app then accepts, refuses or answers with an ordinary HTTP response.  The codec (``codec.py``)
does the framing; this module does the I/O around it:

- reading pauses while ``ws_max_queue`` messages wait for the app (a slow reader), and the
  app's ``send`` waits while the transport's write buffer is over its high-water mark;
- a keepalive ping every ``ws_ping_interval`` seconds; no pong within ``ws_ping_timeout``
  closes the connection (1011), as does a close handshake the peer never finishes;
- graceful shutdown closes open sockets with 1012 (service restart: clients reconnect).

The phases of a socket, and their legal moves::

    HANDSHAKE -> OPEN (websocket.accept) | RESPONSE (websocket.http.response.start) | CLOSED
    RESPONSE  -> CLOSED (the response's last body message)
    OPEN      -> CLOSING (a close frame sent or received) | CLOSED (the TCP connection is gone)
    CLOSING   -> CLOSED
"""

from __future__ import annotations

import asyncio
import enum
import os
from collections import deque
from typing import Any, Final

from squall.server.http11 import wire
from squall.server.state import ServerState, error_logger
from squall.server.tasks import watch
from squall.server.websocket.codec import PONG, Closed, Codec, CodecFactory, CodecOptions
from squall.server.websocket.handshake import Handshake, switching_protocols

NORMAL: Final = 1000
GOING_AWAY: Final = 1001
ABNORMAL: Final = 1006  # reported to the app when the TCP connection ended without a close
INTERNAL_ERROR: Final = 1011
SERVICE_RESTART: Final = 1012
CLOSE_TIMEOUT: Final = 5.0  # seconds the peer has to answer our close frame


class Phase(enum.Enum):
    HANDSHAKE = "handshake"
    RESPONSE = "response"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class WebSocketConnection:
    """An ``asyncio.Protocol`` (by its methods) and the server's view of a live connection."""

    def __init__(
        self,
        state: ServerState,
        transport: asyncio.Transport,
        scope: dict[str, Any],
        handshake: Handshake,
        factory: CodecFactory,
    ) -> None:
        config = state.config
        self.state = state
        self.loop = state.loop
        self.transport = transport
        self.scope = scope
        self.handshake = handshake
        self.factory = factory
        self.options = CodecOptions(config.ws_max_size, config.ws_per_message_deflate)
        self.codec: Codec | None = None
        self.phase = Phase.HANDSHAKE
        self.deadline: float | None = None  # ManagedConnection: its timers are its own
        self.client = scope["client"]
        self.max_queue = config.ws_max_queue
        self.ping_interval = config.ws_ping_interval
        self.ping_timeout = config.ws_ping_timeout
        self.messages: deque[dict[str, Any]] = deque()
        self.connect_sent = False
        self.closed_event: Closed | None = None  # why the socket closed, for the app
        self.read_paused = False
        self.read_pauses = 0
        self.write_paused = False
        self.write_pauses = 0
        self._receiver: asyncio.Future[None] | None = None
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | None = None  # the next ping, or a deadline
        self._awaiting_pong = False
        self._early_data = b""

    # -- Start ------------------------------------------------------------------------------

    def begin(self, early_data: bytes) -> None:
        """Join the server's connections and run the app (``early_data``: read past the head)."""
        self.state.connections.add(self)
        self._early_data = early_data
        self.state.active_requests += 1
        try:
            coro = self.state.app(self.scope, self.receive, self.send)
        except Exception as exc:
            self.app_done(exc)
            return
        self.state.start_task(watch(coro, self.app_done))

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Not called: the transport comes from the HTTP/1.1 connection (``begin``)."""

    def data_received(self, data: bytes) -> None:
        codec = self.codec
        if codec is None:
            if self.phase == Phase.HANDSHAKE:
                self._early_data += data  # frames sent before the 101: read once accepted
                self.pause_reading()
            return
        events = codec.receive(data)
        for event in events:
            if isinstance(event, str):
                self._queue({"type": "websocket.receive", "text": event})
            elif isinstance(event, bytes):
                self._queue({"type": "websocket.receive", "bytes": event})
            elif event is PONG:
                self._on_pong()
            elif isinstance(event, Closed):
                self._on_closed(event)
        self._flush_codec()
        if len(self.messages) >= self.max_queue:
            self.pause_reading()

    def eof_received(self) -> bool | None:
        if self.codec is not None:
            self.codec.receive_eof()
            self._flush_codec()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.connections.discard(self)
        self._cancel_timer()
        if self.closed_event is None:
            self.closed_event = Closed(ABNORMAL, "")
        self.phase = Phase.CLOSED
        self._wake_receiver()
        self._release_drain_waiters()

    def pause_writing(self) -> None:
        self.write_paused = True
        self.write_pauses += 1

    def resume_writing(self) -> None:
        self.write_paused = False
        self._release_drain_waiters()

    # -- ASGI -------------------------------------------------------------------------------

    async def receive(self) -> dict[str, Any]:
        if not self.connect_sent:
            self.connect_sent = True
            return {"type": "websocket.connect"}
        while not self.messages and self.phase != Phase.CLOSED:
            if self.phase == Phase.HANDSHAKE or self.phase == Phase.RESPONSE:
                raise RuntimeError("websocket.receive before the handshake is answered")
            if self.closed_event is not None:
                break  # the close handshake is done: disconnect, though TCP may linger
            self._receiver = self.loop.create_future()
            await self._receiver
        if self.messages:
            message = self.messages.popleft()
            if self.read_paused and len(self.messages) < self.max_queue:
                self.resume_reading()
            return message
        closed = self.closed_event or Closed(ABNORMAL, "")
        return {"type": "websocket.disconnect", "code": closed.code, "reason": closed.reason}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        phase = self.phase
        if phase == Phase.HANDSHAKE:
            if kind == "websocket.accept":
                self._accept(message)
            elif kind == "websocket.close":
                self._refuse(403, "WebSocket connection refused")
            elif kind == "websocket.http.response.start":
                self._start_response(message)
            else:
                raise RuntimeError(f"unexpected ASGI message {kind!r} before websocket.accept")
        elif phase == Phase.OPEN:
            if kind == "websocket.send":
                await self._send_message(message)
            elif kind == "websocket.close":
                self._close(message.get("code") or NORMAL, message.get("reason") or "")
            else:
                raise RuntimeError(f"unexpected ASGI message {kind!r} on an open WebSocket")
        elif phase == Phase.RESPONSE:
            if kind != "websocket.http.response.body":
                raise RuntimeError(f"unexpected ASGI message {kind!r} in a response")
            self._response_body(message)
        elif kind == "websocket.send" or kind == "websocket.close":
            # Closing or closed: what the app sends is dropped, as the peer is gone (ASGI 2.4
            # lets servers raise instead; Starlette apps are written for either).
            raise ClientDisconnected()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} after the close")

    def _accept(self, message: dict[str, Any]) -> None:
        subprotocol = message.get("subprotocol")
        answer, negotiated = self.factory.negotiate(self.handshake.extensions, self.options)
        headers = [(name.lower(), value) for name, value in message.get("headers") or []]
        head = switching_protocols(
            self.handshake.key, subprotocol, answer, headers, self.state.default_headers
        )
        self.codec = self.factory.create(negotiated, self.options)
        self.phase = Phase.OPEN
        self.transport.write(head)
        self._schedule_ping()
        early, self._early_data = self._early_data, b""
        self.resume_reading()
        if early:
            self.data_received(early)

    def _refuse(self, status: int, reason: str) -> None:
        self.phase = Phase.CLOSED
        self.transport.write(wire.error_response(status, reason, self.state.default_headers))
        self._close_transport()

    def _start_response(self, message: dict[str, Any]) -> None:
        status = int(message["status"])
        lines = [wire.status_line(status), self.state.default_headers]
        for name, value in message.get("headers") or []:
            lname = name.lower()
            if lname in (b"connection", b"transfer-encoding", b"content-length"):
                continue  # framed here: the body ends with the connection
            wire.check_header(name, value)
            lines.append(name + b": " + value + b"\r\n")
        lines.append(b"connection: close\r\n\r\n")
        self.phase = Phase.RESPONSE
        self.transport.write(b"".join(lines))

    def _response_body(self, message: dict[str, Any]) -> None:
        body = message.get("body", b"")
        if body:
            self.transport.write(body)
        if not message.get("more_body", False):
            self.phase = Phase.CLOSED
            self._close_transport()

    async def _send_message(self, message: dict[str, Any]) -> None:
        text = message.get("text")
        data: str | bytes = text if text is not None else message.get("bytes") or b""
        codec = self.codec
        assert codec is not None
        codec.send_message(data)
        self._flush_codec()
        if self.write_paused and not self.transport.is_closing():
            waiter = self.loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _close(self, code: int, reason: str) -> None:
        """Start the close handshake; the peer's answer (or a timeout) ends the connection."""
        codec = self.codec
        if codec is None or self.phase != Phase.OPEN:
            return
        self.phase = Phase.CLOSING
        codec.send_close(code, reason)
        self._flush_codec()
        self._set_timer(CLOSE_TIMEOUT, self.abort)

    def app_done(self, exc: BaseException | None) -> None:
        """The app's coroutine ended: refuse, close or leave the socket as its phase needs."""
        self.state.active_requests -= 1
        if exc is not None and not isinstance(exc, ClientDisconnected | asyncio.CancelledError):
            error_logger.error("Exception in ASGI application (WebSocket)", exc_info=exc)
        phase = self.phase
        if phase == Phase.HANDSHAKE:
            self._refuse(403, "WebSocket connection refused")  # never a 5xx: see the README
        elif phase == Phase.RESPONSE:
            self.abort()  # the response was cut short
        elif phase == Phase.OPEN:
            failed = exc is not None and not isinstance(exc, ClientDisconnected)
            self._close(INTERNAL_ERROR if failed else NORMAL, "")

    # -- Incoming events ----------------------------------------------------------------------

    def _queue(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self._wake_receiver()

    def _on_closed(self, closed: Closed) -> None:
        if self.closed_event is None:
            self.closed_event = closed
        self.phase = Phase.CLOSING
        self._wake_receiver()
        self._set_timer(CLOSE_TIMEOUT, self.abort)

    def _wake_receiver(self) -> None:
        receiver = self._receiver
        if receiver is not None:
            self._receiver = None
            if not receiver.done():
                receiver.set_result(None)

    # -- Keepalive ------------------------------------------------------------------------------

    def _schedule_ping(self) -> None:
        if self.ping_interval:
            self._set_timer(self.ping_interval, self._ping)

    def _ping(self) -> None:
        codec = self.codec
        if codec is None or self.phase != Phase.OPEN:
            return
        codec.send_ping(os.urandom(4))
        self._flush_codec()
        self._awaiting_pong = True
        if self.ping_timeout:
            self._set_timer(self.ping_timeout, self._on_ping_timeout)
        else:
            self._schedule_ping()

    def _on_pong(self) -> None:
        if self._awaiting_pong and self.phase == Phase.OPEN:
            self._awaiting_pong = False
            self._schedule_ping()

    def _on_ping_timeout(self) -> None:
        """No pong in time: the peer is dead (or too slow to keep)."""
        if self.closed_event is None:
            self.closed_event = Closed(INTERNAL_ERROR, "keepalive ping timeout")
        self.abort()

    def _set_timer(self, delay: float, callback: Any) -> None:
        self._cancel_timer()
        self._timer = self.loop.call_later(delay, callback)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- Output and flow control ------------------------------------------------------------------

    def _flush_codec(self) -> None:
        codec = self.codec
        if codec is None:
            return
        data, close = codec.outgoing()
        if data and not self.transport.is_closing():
            self.transport.write(data)
        if close:
            self._close_transport()

    def _close_transport(self) -> None:
        """The server closes the TCP connection first (RFC 6455, 7.1.1)."""
        if not self.transport.is_closing():
            self.transport.close()

    def pause_reading(self) -> None:
        if not self.read_paused:
            self.read_paused = True
            self.read_pauses += 1
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused and not self.transport.is_closing():
            self.read_paused = False
            self.transport.resume_reading()

    def _release_drain_waiters(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- The server's connection set ----------------------------------------------------------

    def on_deadline(self) -> None:
        """Not filed in the deadline wheel: its timers are ``loop.call_later`` handles."""

    def shutdown(self) -> None:
        """Graceful shutdown: close an open socket with 1012 (see the module docstring).

        A socket whose app is still deciding ends with the app's answer, or at the timeout."""
        if self.phase == Phase.OPEN:
            self._close(SERVICE_RESTART, "server shutting down")

    def abort(self) -> None:
        self._cancel_timer()
        self.transport.abort()


class ClientDisconnected(OSError):
    """``websocket.send`` after the socket closed (uvicorn raises the same kind of error)."""
