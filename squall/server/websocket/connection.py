"""One WebSocket after the upgrade: the asyncio protocol, the app's side of it, the timers.

The HTTP/1.1 connection hands its transport over (``upgrade.py``) with a valid handshake; the
app then accepts, refuses or answers with an ordinary HTTP response.  The codec (``codec.py``)
does the framing; this module does the I/O around it:

- the app talks to the socket natively (this object is the ``squall.native.NativeWebSocket``
  of an app with ``__squall_native_websocket__``: plain ``str``/``bytes`` messages) or through
  ASGI ``receive``/``send``, a thin layer of message dicts over the same methods (asgi.py);
- reading pauses while ``ws_max_queue`` messages wait for the app (a slow reader), and a send
  waits while the transport's write buffer is over its high-water mark;
- a keepalive ping every ``ws_ping_interval`` seconds; no pong within ``ws_ping_timeout``
  closes the connection (1011), as does a close handshake the peer does not finish within
  ``ws_close_timeout``;
- graceful shutdown closes open sockets with 1012 (service restart: clients reconnect).

The phases of a socket: phase.py.  Memory: an idle socket holds this object (``__slots__``),
its codec and the handshake's headers; the ASGI scope is built only when asked for.
"""

from __future__ import annotations

import asyncio
import os
import types
from collections import deque
from collections.abc import Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Final

from squall.native import ClientGone, WebSocketClosed
from squall.server.exchange import ASGI_VERSION
from squall.server.faults import log_app_error, log_cancelled_at_shutdown
from squall.server.proxy_headers import websocket_scheme
from squall.server.state import ServerState
from squall.server.websocket import asgi
from squall.server.websocket.answer import HTTP11, HandshakeAnswer
from squall.server.websocket.close_codes import ABNORMAL, INTERNAL_ERROR, NORMAL, SERVICE_RESTART
from squall.server.websocket.codec import PONG, Closed, Codec, CodecFactory, CodecOptions
from squall.server.websocket.codec_squall import SquallCodec
from squall.server.websocket.driver import Driver, Recover, current_task
from squall.server.websocket.handshake import Handshake
from squall.server.websocket.parking import next_message
from squall.server.websocket.phase import Phase

if TYPE_CHECKING:
    from squall.server.exchange import Exchange

# The ASGI extensions a websocket scope announces (a fresh copy per scope).
EXTENSIONS: Final[dict[str, dict[str, Any]]] = {"websocket.http.response": {}}


class WebSocketConnection:
    """An ``asyncio.Protocol`` (by its methods), the server's view of a live connection and
    the app's :class:`squall.native.NativeWebSocket`."""

    __slots__ = (
        "_awaiting_pong",
        "_drain_waiters",
        "_early_data",
        "_handoff",
        "_receiver",
        "_recover",
        "_state",
        "_timer",
        "answer",
        "client",
        "closed_event",
        "codec",
        "connect_sent",
        "deadline",
        "driver",
        "factory",
        "fast_codec",
        "handshake",
        "headers",
        "http_version",
        "loop",
        "max_queue",
        "messages",
        "path",
        "phase",
        "query_string",
        "raw_path",
        "read_paused",
        "read_pauses",
        "root_path",
        "scheme",
        "server",
        "server_state",
        "subprotocols",
        "transport",
        "write_paused",
        "write_pauses",
    )

    def __init__(
        self,
        server_state: ServerState,
        transport: asyncio.Transport,
        request: Exchange,
        handshake: Handshake,
        factory: CodecFactory,
        answer: HandshakeAnswer = HTTP11,
    ) -> None:
        self.server_state = server_state
        self.answer = answer  # how the handshake is answered: HTTP/1.1's 101, HTTP/2's 200
        self.loop = server_state.loop
        self.transport = transport
        self.handshake = handshake
        self.factory = factory
        self.codec: Codec | None = None
        # The same codec when it is ours (--ws squall): called natively, not through the
        # Codec interface's Python calls (a few hundred instructions each, per message).
        self.fast_codec: SquallCodec | None = None
        self.phase = Phase.HANDSHAKE
        self.deadline: float | None = None  # ManagedConnection: its timers are its own
        # The handshake request, as the app sees it (see squall.native.NativeWebSocket).
        self.http_version = request.http_version
        self.scheme = websocket_scheme(request.scheme)
        self.server = request.server
        self.client = request.client
        self.root_path = request.root_path
        self.path = request.path
        self.raw_path = request.raw_path
        self.query_string = request.query_string
        self.headers = request.headers
        self.subprotocols = handshake.subprotocols
        self.max_queue = server_state.config.ws_max_queue
        # Received, not yet read by the app; made when first needed (a deque is ~600 bytes,
        # and a message usually goes straight to the app's pending read).
        self.messages: deque[str | bytes] | None = None
        self.connect_sent = False  # ASGI: websocket.connect was received (or accept called)
        self.closed_event: Closed | None = None  # why the socket closed, for the app
        self.read_paused = False
        self.read_pauses = 0
        self.write_paused = False
        self.write_pauses = 0
        self._state: dict[str, Any] | None = None
        self.driver: Driver | None = None  # runs the app (driver.py), once begun
        # A message for the parked app, handed over once the data that held it is read.
        self._handoff: str | bytes | None = None
        # The app's pending receive_message(): set while the queue is empty.
        self._receiver: asyncio.Future[str | bytes] | None = None
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | None = None  # the next ping, or a deadline
        self._awaiting_pong = False
        self._early_data = b""
        self._recover: Recover | None = None  # the app's recover_with, given to the driver

    # -- Start ------------------------------------------------------------------------------

    def begin(self, early_data: bytes) -> None:
        """Join the server's connections and run the app (``early_data``: read past the head):
        its native WebSocket handler when it has one, else the ASGI app."""
        server_state = self.server_state
        server_state.connections.add(self)
        self._early_data = early_data
        server_state.active_requests += 1
        native = server_state.native_websocket
        try:
            if native is not None:
                coro = native(self)
            else:
                coro = server_state.app(self.scope(), self.receive, self.send)
        except Exception as exc:
            self.app_done(exc)
            return
        if type(coro) is not types.CoroutineType:  # an awaitable of another kind
            coro = _as_coroutine(coro)
        self.driver = Driver(self.loop, coro, self.app_done, self._recover)
        self._recover = None

    # -- The handshake request ------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        """A shallow copy of the lifespan state, made on first use."""
        if self._state is None:
            self._state = self.server_state.lifespan_state.copy()
        return self._state

    def scope(self) -> dict[str, Any]:
        """The ASGI ``websocket`` scope of the handshake (spec 2.4), a new dict each call."""
        return {
            "type": "websocket",
            "asgi": ASGI_VERSION,
            "http_version": self.http_version,
            "scheme": self.scheme,
            "server": self.server,
            "client": self.client,
            "root_path": self.root_path,
            "path": self.path,
            "raw_path": self.raw_path,
            "query_string": self.query_string,
            "headers": self.headers,
            "subprotocols": self.subprotocols,
            "state": self.state,
            "extensions": {name: dict(value) for name, value in EXTENSIONS.items()},
        }

    # -- asyncio.Protocol -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Not called: the transport comes from the HTTP/1.1 connection (``begin``)."""

    def data_received(self, data: bytes) -> None:
        codec = self.codec
        if codec is None:
            if self.phase is Phase.HANDSHAKE:
                self._early_data += data  # frames sent before the 101: read once accepted
                self.pause_reading()
            return
        fast = self.fast_codec
        events = fast.receive(data) if fast is not None else codec.receive(data)
        for event in events:
            if isinstance(event, (str, bytes)):  # a tuple: `str | bytes` builds a union each time
                self._deliver(event)
            elif event is PONG:
                self._on_pong()
            elif isinstance(event, Closed):
                self._on_closed(event)
        self._flush_codec()
        messages = self.messages
        if messages is not None and len(messages) >= self.max_queue:
            self.pause_reading()
        self._resume_app()

    def eof_received(self) -> bool | None:
        if self.codec is not None:
            self.codec.receive_eof()
            self._flush_codec()
        self._resume_app()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        self._cancel_timer()
        if self.closed_event is None:
            self.closed_event = Closed(ABNORMAL, "")
        self.phase = Phase.CLOSED
        self._wake_receiver()
        self._resume_app()
        self._release_drain_waiters()

    def pause_writing(self) -> None:
        self.write_paused = True
        self.write_pauses += 1

    def resume_writing(self) -> None:
        self.write_paused = False
        self._release_drain_waiters()

    # -- The native interface (squall.native.NativeWebSocket) -----------------------------------

    def accept(self, subprotocol: str | None = None, headers: Iterable[Any] = ()) -> None:
        if self.phase is not Phase.HANDSHAKE:
            raise RuntimeError(f"accept on a WebSocket that is {self.phase.value}")
        extensions, negotiated = self.factory.negotiate(self.handshake.extensions, self._options())
        extra = [(name.lower(), value) for name, value in headers]
        codec = self.codec = self.factory.create(negotiated, self._options())
        self.fast_codec = codec if isinstance(codec, SquallCodec) else None
        self.phase = Phase.OPEN
        self.connect_sent = True  # the ASGI connect step is behind us too
        self.answer.accepted(self, subprotocol, extensions, extra)
        self._schedule_ping()
        early, self._early_data = self._early_data, b""
        self.resume_reading()
        if early:
            self.data_received(early)

    def receive_message(self) -> Awaitable[str | bytes]:
        """The next message: on an open socket a read that, awaited in the app's own task,
        parks its coroutine till the message comes, and elsewhere waits on a future
        (parking.py's ``next_message``); otherwise a future (done already: a queued message,
        or the close)."""
        if self.phase is Phase.OPEN:
            return next_message(self)
        return self.message_future()

    def message_future(self) -> asyncio.Future[str | bytes]:
        """The next message as a future: done already when one is queued or the socket is
        closed (WebSocketClosed), else set when a message or the close comes."""
        future: asyncio.Future[str | bytes] = self.loop.create_future()
        message = self._queued()
        if message is not None:
            future.set_result(message)
        elif self._closed():
            future.set_exception(self._closed_error())
        elif self.phase is Phase.HANDSHAKE or self.phase is Phase.RESPONSE:
            raise RuntimeError("a WebSocket message read before the handshake is answered")
        else:
            self._receiver = future
        return future

    def can_park(self) -> bool:
        """Whether a read may park the app's coroutine (driver.py): the socket is open, no
        other read waits, and the caller runs in the app's own task."""
        driver = self.driver
        return (
            self._receiver is None
            and self.phase is Phase.OPEN
            and driver is not None
            and current_task(self.loop) is driver.task
        )

    def ready_message(self) -> str | bytes | None:
        """A message received and not read yet, or None; WebSocketClosed once closed (see
        parking.next_message)."""
        message = self._queued()
        if message is None and self._closed():
            raise self._closed_error()
        return message

    def _closed(self) -> bool:
        """The close handshake is done (though TCP may linger), or TCP is gone."""
        return self.closed_event is not None or self.phase is Phase.CLOSED

    def _closed_error(self) -> WebSocketClosed:
        closed = self.closed_event or Closed(ABNORMAL, "")
        return WebSocketClosed(closed.code, closed.reason)

    def send_message(self, data: str | bytes) -> Awaitable[None]:
        phase = self.phase
        if phase is not Phase.OPEN:
            if phase is Phase.HANDSHAKE or phase is Phase.RESPONSE:
                raise RuntimeError(f"a WebSocket message sent in phase {phase.value}")
            # Closing or closed: what the app sends is dropped, as the peer is gone (ASGI 2.4
            # lets servers raise instead; Starlette apps are written for either).
            raise ClientGone()
        fast = self.fast_codec
        if fast is not None:
            frame = fast.message_frame(data)
            if frame and not self.transport.is_closing():
                self.transport.write(frame)
        else:
            codec = self.codec
            assert codec is not None
            codec.send_message(data)
            self._flush_codec()
        if self.write_paused and not self.transport.is_closing():
            waiter: asyncio.Future[None] = self.loop.create_future()
            self._drain_waiters.append(waiter)
            return waiter
        return self.server_state.done

    def close(self, code: int = NORMAL, reason: str = "") -> None:
        phase = self.phase
        if phase is Phase.HANDSHAKE:
            self._refuse(403, "WebSocket connection refused")
        elif phase is Phase.OPEN:
            self._close(code, reason)
        elif phase is Phase.RESPONSE:
            raise RuntimeError("a WebSocket close in the middle of an HTTP response")
        else:
            raise ClientGone()

    def respond(self, status: int, headers: Iterable[tuple[bytes, bytes]], body: bytes) -> None:
        self.start_response(status, headers)
        self.response_body(body, more=False)

    def recover_with(self, recover: Recover) -> None:
        if self.driver is not None:
            raise RuntimeError("recover_with is for the handler's call, before its coroutine runs")
        self._recover = recover

    # -- ASGI -------------------------------------------------------------------------------

    def receive(self) -> Awaitable[dict[str, Any]]:
        return asgi.receive(self)

    def send(self, message: dict[str, Any]) -> Awaitable[None]:
        return asgi.send(self, message)

    # -- Answers --------------------------------------------------------------------------------

    def _options(self) -> CodecOptions:
        config = self.server_state.config
        return CodecOptions(config.ws_max_size, config.ws_per_message_deflate)

    def _refuse(self, status: int, reason: str) -> None:
        self.phase = Phase.CLOSED
        self.answer.refused(self, status, reason)
        self._close_transport()

    def start_response(self, status: int, headers: Iterable[tuple[bytes, bytes]]) -> None:
        if self.phase is not Phase.HANDSHAKE:
            raise RuntimeError(f"an HTTP response on a WebSocket that is {self.phase.value}")
        self.answer.response_head(self, status, headers)
        self.phase = Phase.RESPONSE

    def response_body(self, body: bytes, more: bool) -> None:
        if body:
            self.transport.write(body)
        if not more:
            self.phase = Phase.CLOSED
            self._close_transport()

    def _close(self, code: int, reason: str) -> None:
        """Start the close handshake; the peer's answer (or a timeout) ends the connection."""
        codec = self.codec
        if codec is None or self.phase is not Phase.OPEN:
            return
        self.phase = Phase.CLOSING
        codec.send_close(code, reason)
        self._flush_codec()
        self._set_timer(self.server_state.config.ws_close_timeout, self.abort)

    def app_done(self, exc: BaseException | None) -> None:
        """The app's coroutine ended: refuse, close or leave the socket as its phase needs."""
        self.server_state.active_requests -= 1
        if isinstance(exc, asyncio.CancelledError) and self.server_state.shutting_down:
            log_cancelled_at_shutdown("WebSocket", self.path)  # the graceful time ran out
        elif exc is not None and not isinstance(exc, ClientGone | asyncio.CancelledError):
            log_app_error("WebSocket", self.path, exc)
        phase = self.phase
        if phase is Phase.HANDSHAKE:
            self._refuse(403, "WebSocket connection refused")  # never a 5xx: see the README
        elif phase is Phase.RESPONSE:
            self.abort()  # the response was cut short
        elif phase is Phase.OPEN:
            failed = exc is not None and not isinstance(exc, ClientGone)
            self._close(INTERNAL_ERROR if failed else NORMAL, "")

    # -- Incoming events ----------------------------------------------------------------------

    def _deliver(self, message: str | bytes) -> None:
        """A message came in: to the parked app (once the data is read: see _resume_app), to
        the app's pending read, else into the queue."""
        if self._handoff is None and not self.messages and _parked(self.driver):
            self._handoff = message
            return
        receiver = self._receiver
        if receiver is not None:
            self._receiver = None
            if not receiver.done():  # not cancelled with the app's task
                receiver.set_result(message)
                return
        messages = self.messages
        if messages is None:
            messages = self.messages = deque()
        messages.append(message)

    def _queued(self) -> str | bytes | None:
        """The next message received (None: none waits), the one handed over first."""
        message = self._handoff
        if message is not None:
            self._handoff = None
            return message
        messages = self.messages
        if messages:
            return self._take(messages)
        return None

    def _take(self, messages: deque[str | bytes]) -> str | bytes:
        message = messages.popleft()
        if self.read_paused and len(messages) < self.max_queue:
            self.resume_reading()
        return message

    def _on_closed(self, closed: Closed) -> None:
        if self.closed_event is None:
            self.closed_event = closed
        self.phase = Phase.CLOSING
        self._wake_receiver()
        self._set_timer(self.server_state.config.ws_close_timeout, self.abort)

    def _wake_receiver(self) -> None:
        """The socket closed: the app's pending read (the queue is empty) gets the close."""
        receiver = self._receiver
        if receiver is not None:
            self._receiver = None
            if not receiver.done():
                receiver.set_exception(self._closed_error())

    def _resume_app(self) -> None:
        """Resume the parked app (driver.py) with the message handed over, or to find the
        socket closed; only once the data read is processed, so the app sees the
        connection's state after all of it (a close that came with a message, say)."""
        driver = self.driver
        if driver is None:
            return
        message = self._handoff
        if message is not None:  # handed over as it parked, in this same callback: still is
            self._handoff = None
            driver.resume(message)
        elif self._closed() and _parked(driver):
            driver.resume(None)  # it looks again, and finds the socket closed

    # -- Keepalive ------------------------------------------------------------------------------

    def _schedule_ping(self) -> None:
        interval = self.server_state.config.ws_ping_interval
        if interval:
            self._set_timer(interval, self._ping)

    def _ping(self) -> None:
        codec = self.codec
        if codec is None or self.phase != Phase.OPEN:
            return
        codec.send_ping(os.urandom(4))
        self._flush_codec()
        self._awaiting_pong = True
        timeout = self.server_state.config.ws_ping_timeout
        if timeout:
            self._set_timer(timeout, self._on_ping_timeout)
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
        fast = self.fast_codec
        if fast is not None and not fast.has_output():
            return  # (the usual after a message came in)
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


def _parked(driver: Driver | None) -> bool:
    """Whether the app's coroutine is parked (driver.py): its wake future is set and not
    done.  Read here, compiled: it is asked once or twice per message."""
    if driver is None:
        return False
    wake = driver.wake
    return wake is not None and not wake.done()


async def _as_coroutine(awaitable: Awaitable[Any]) -> Any:
    """An app's awaitable of another kind than a coroutine, as one (driver.py drives it)."""
    return await awaitable
