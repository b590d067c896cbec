"""One request and its response, whatever the wire format.

An :class:`Exchange` is both the ASGI ``receive``/``send`` pair and the
:class:`~squall.native.NativeRequest` handed to native apps: the two share the body buffer
and the response state, so they behave the same on the wire.  The bytes are the protocol's
business: each exchange has a :class:`ResponseWriter` (HTTP/1.1's frames a body with a
content-length, chunks or the close; HTTP/2's would write DATA frames) and a connection, a
:class:`~squall.server.transport.StreamConnection`, for flow control and completion.

Request body states (``body_state``):

    RECEIVING --the last body byte arrives (the message is complete)--> RECEIVED
    RECEIVED  --the app takes the last of the body-----------------------> CONSUMED

Response states (``response``):

    PENDING --start: the head is composed and held back------------------> HEAD_HELD
    HEAD_HELD --the whole body goes out with the head----------------------> DONE
    HEAD_HELD --the head goes out alone, or with a first part of the body---> SENDING
    SENDING --a further part of the body------------------------------------> SENDING
    SENDING --the last part of the body-------------------------------------> DONE
    HEAD_HELD --an error replaces the response (500 after a failed app)---> PENDING

Anything else is the app's mistake (a RuntimeError) or the server's bug.  Orthogonal to both:
``disconnected`` (the client is gone; ``send`` raises ClientGone from then on).

This is the hot path (compiled, see setup.py): instance defaults live on the class (most
requests never change them) and states are ints that mypyc compares natively.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

from squall.native import ClientDisconnected, ClientGone, Message, RawHeaders
from squall.server.faults import (
    InvalidMessage,
    invalid_message,
    log_app_error,
    log_cancelled_at_shutdown,
    log_unfinished,
)
from squall.server.sendfile import send_file_message
from squall.server.state import access_logger, error_logger

if TYPE_CHECKING:
    from squall.server.transport import StreamConnection

DISCONNECT: Final[Message] = {"type": "http.disconnect"}
ASGI_VERSION: Final = {"version": "3.0", "spec_version": "2.4"}
PERCENT: Final = 37

# Request body states.
RECEIVING: Final = 0
RECEIVED: Final = 1
CONSUMED: Final = 2
# Response states.
PENDING: Final = 0
HEAD_HELD: Final = 1
SENDING: Final = 2
DONE: Final = 3
# ResponseWriter.raw_socket's answers other than a socket descriptor.
FRAMED: Final = -1  # write the body through the writer
DROPPED: Final = -2  # the response has no body (HEAD, 304...): send nothing


class ResponseWriter:
    """Puts one protocol's responses on the wire; the exchange keeps the response state."""

    def start(self, exchange: Exchange, status: int, headers: Iterable[Any]) -> bool:
        """Compose the head and hold it, to leave with the first part of the body.

        True if the body is to be streamed (its length is not known and it may be long in
        coming): then the head goes out alone unless the body follows in this iteration.
        """
        raise NotImplementedError

    def send(self, exchange: Exchange, body: bytes, more: bool) -> None:
        """Send a part of the body (the last unless ``more``), with the head if still held."""
        raise NotImplementedError

    def send_head(self, exchange: Exchange) -> None:
        """Send the held head alone: the body will be streamed."""
        raise NotImplementedError

    def discard_head(self) -> None:
        """Forget the held head: an error response replaces it."""
        raise NotImplementedError

    def send_continue(self, exchange: Exchange) -> None:
        """Tell a client waiting for it to send the body (``100 Continue``)."""
        raise NotImplementedError

    def expect_trailers(self, exchange: Exchange) -> None:
        """The response started with ``trailers: true``: its last body part does not end it.
        Only HTTP/2 offers the extension; elsewhere the flag is ignored."""

    def send_trailers(self, exchange: Exchange, headers: Iterable[Any], more: bool) -> None:
        """Send trailer fields (the last unless ``more``), ending the response."""
        raise InvalidMessage("'http.response.trailers' is offered over HTTP/2 only")

    def raw_socket(self, exchange: Exchange, count: int) -> int:
        """Send the held head; then the socket's descriptor if the next ``count`` body bytes
        may be written to it directly (zero copy: no framing, nothing buffered ahead of
        them), counted as sent; else FRAMED or DROPPED."""
        return FRAMED


class Exchange:
    # Defaults shared by every instance until one assigns its own value.
    reject: tuple[int, str] | None = None
    keep_alive = True
    expect_100 = False  # the client waits for "100 Continue" before sending the body
    content_type = b""  # the Content-Type header's value, as the protocol picked it out
    # A trusted proxy's headers named another client or scheme (proxy_headers.py).
    proxied = False
    forwarded_client: tuple[str, int] | None = None
    forwarded_scheme = "http"
    disconnected = False
    body_state = RECEIVING
    response = PENDING
    status = 0
    _state: dict[str, Any] | None = None
    _waiter: asyncio.Future[None] | None = None
    writable_waiter: asyncio.Future[None] | None = None  # a file body waits for the socket
    _body_size = 0
    _buffered = 0
    _chunks: list[bytes] | tuple[()] = ()  # a list once the first body bytes arrive
    # Noted only when the access log is on: when the head was read, body bytes sent.
    started_at = 0.0
    body_bytes = 0

    def __init__(
        self,
        conn: StreamConnection,
        writer: ResponseWriter,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        headers: list[tuple[bytes, bytes]],
        http_version: str,
    ) -> None:
        self.conn = conn
        self.writer = writer
        self.method = method
        self.query_string = query_string
        self.headers = headers
        self.http_version = http_version
        try:
            path = raw_path.decode()
        except UnicodeDecodeError:
            path = raw_path.decode("utf-8", "replace")
        if PERCENT in raw_path:
            path = unquote(path, errors="replace")
        root_path = conn.root_path
        if root_path:
            path = root_path + path
            raw_path = root_path.encode("utf-8") + raw_path
        self.path = path
        self.raw_path = raw_path
        if conn.access_log:
            self.started_at = time.perf_counter()

    @property
    def client(self) -> tuple[str, int] | None:
        return self.forwarded_client if self.proxied else self.conn.client

    @property
    def server(self) -> tuple[str, int] | None:
        return self.conn.server

    @property
    def scheme(self) -> str:
        return self.forwarded_scheme if self.proxied else self.conn.scheme

    @property
    def root_path(self) -> str:
        return self.conn.root_path

    @property
    def state(self) -> dict[str, Any]:
        if self._state is None:
            self._state = self.conn.state.lifespan_state.copy()
        return self._state

    @property
    def started(self) -> bool:
        return self.response != PENDING

    @property
    def complete(self) -> bool:
        return self.response == DONE

    @property
    def body_complete(self) -> bool:
        return self.body_state != RECEIVING

    @property
    def body_received(self) -> int:
        """Bytes of request body received so far."""
        return self._body_size

    # -- Fed by the protocol ----------------------------------------------------------------

    def forward(self, client: tuple[str, int] | None, scheme: str) -> None:
        """The client and scheme a trusted proxy's headers name for this request."""
        self.proxied = True
        self.forwarded_client = client
        self.forwarded_scheme = scheme

    def feed_body(self, data: bytes) -> None:
        if self.response == DONE:
            return  # the response is done: the rest of the body is read and dropped
        conn = self.conn
        self._body_size += len(data)
        limit = conn.state.max_body_size
        if limit is not None and self._body_size > limit:
            conn.fail(413, "Request body too large")
            return
        chunks = self._chunks
        if chunks:
            chunks.append(data)
        else:
            self._chunks = [data]
        self._buffered += len(data)
        if self._waiter is not None:
            self._wake()
        if self._buffered > conn.state.read_buffer_high_water:
            conn.pause_reading()

    def finish_body(self) -> None:
        """The request's body has arrived in full."""
        self.body_state = RECEIVED
        if self._waiter is not None:
            self._wake()

    def on_disconnect(self) -> None:
        self.disconnected = True
        self._wake()
        waiter = self.writable_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- ASGI -------------------------------------------------------------------------------

    def scope(self) -> dict[str, Any]:
        # A copy of the connection's template (its keys in place) and seven stores: about
        # three times cheaper than building the 13-key dict anew.
        scope = self.conn.scope_template.copy()
        scope["http_version"] = self.http_version
        scope["method"] = self.method
        scope["path"] = self.path
        scope["raw_path"] = self.raw_path
        scope["query_string"] = self.query_string
        scope["headers"] = self.headers
        scope["state"] = self._state if self._state is not None else self.state
        if self.proxied:
            scope["client"] = self.forwarded_client
            scope["scheme"] = self.forwarded_scheme
        return scope

    async def receive(self) -> Message:
        if self.expect_100:
            self._send_continue()
        if self.body_state == CONSUMED or self.disconnected or self.response == DONE:
            if not (self.disconnected or self.response == DONE):
                await self._wait()  # nothing more to read: wait for the client to go
            return DISCONNECT
        if not self._chunks and self.body_state == RECEIVING:
            await self._wait()
            if self.disconnected:
                return DISCONNECT
        body = self._take_body()
        return {"type": "http.request", "body": body, "more_body": self.body_state != CONSUMED}

    def send(self, message: Message) -> Awaitable[None]:
        """ASGI ``send``: a plain function returning an awaitable, as the spec allows.

        The work is synchronous unless the client reads slowly, so the usual return value
        is an already-completed future: cheaper to await than a new coroutine.
        """
        try:
            kind: str = message["type"]  # a str, so compiled code compares it natively
            if kind == "http.response.body":
                more = message.get("more_body", False)
                self._send_body(message.get("body", b""), more)
                if more and self.conn.write_paused:
                    return self.conn.drain()
            elif kind == "http.response.start":
                streaming = self._start(message["status"], message.get("headers", ()))
                if message.get("trailers"):
                    self.writer.expect_trailers(self)
                if streaming:
                    # Streaming: let the client see the head even if the body is slow.
                    self.conn.loop.call_soon(self._send_head_if_held)
            elif kind == "http.response.zerocopy" or kind == "http.response.pathsend":
                return send_file_message(self, message)
            elif kind == "http.response.trailers":
                self._send_trailers(message.get("headers", ()), message.get("more_trailers", False))
            else:
                raise InvalidMessage(f"unexpected ASGI message type {kind!r}")
        except (ClientGone, InvalidMessage):
            raise
        except Exception as exc:  # the message was wrong: say how (faults.py)
            invalid = invalid_message(message, exc)
            if invalid is None:
                raise
            raise invalid from exc
        return self.conn.state.done

    def app_done(self, exc: BaseException | None) -> None:
        """The app's coroutine has ended, raising ``exc`` if not None."""
        self.conn.state.active_requests -= 1
        if exc is not None:
            self._on_app_error(exc)
        elif self.response != DONE:
            self._on_app_return()

    # -- Native -----------------------------------------------------------------------------

    async def body(self) -> bytes:
        if self.expect_100:
            self._send_continue()
        if self.body_state == RECEIVED and not self.disconnected:  # the usual: it all arrived
            return self._take_body()
        parts = []
        stream = BodyStream(self)
        while True:
            try:
                parts.append(await stream.__anext__())
            except StopAsyncIteration:
                return b"".join(parts)

    def ready_body(self) -> bytes | None:
        """The whole body if it has all arrived and was not read yet, else None."""
        if self.body_state == RECEIVED and not self.disconnected:
            return self._take_body()
        return None

    def stream(self) -> AsyncIterator[bytes]:
        if self.expect_100:
            self._send_continue()
        return BodyStream(self)

    def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        self._start(status, headers)
        self._send_body(body, False)

    async def start_response(self, status: int, headers: RawHeaders) -> None:
        self._start(status, headers)
        self._send_head_if_held()

    async def write(self, data: bytes) -> None:
        self._send_body(data, True)
        if self.conn.write_paused:
            await self.conn.drain()

    async def end_response(self) -> None:
        self._send_body(b"", False)

    # -- Request body internals -------------------------------------------------------------

    async def _wait(self) -> None:
        self._waiter = self.conn.loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _take_body(self) -> bytes:
        chunks = self._chunks
        self._chunks = ()
        if self._buffered:
            self._buffered = 0
            if self.conn.read_paused:
                self.conn.resume_reading()  # the app took what was waiting: read on
        if self.body_state == RECEIVED:
            self.body_state = CONSUMED
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return b"".join(chunks)

    def _send_continue(self) -> None:
        self.expect_100 = False
        if self.body_state == RECEIVING and self.response == PENDING and not self.disconnected:
            self.writer.send_continue(self)

    # -- Response state ---------------------------------------------------------------------

    def _start(self, status: int, headers: Iterable[Any]) -> bool:
        """Begin the response; True if its body is to be streamed (see ResponseWriter)."""
        if self.response != PENDING:
            if self.disconnected:  # the server answered itself (a timeout, a refused body)
                raise ClientGone("the client has disconnected")
            raise InvalidMessage("the response has already started")
        self.status = status
        streaming = self.writer.start(self, status, headers)
        self.response = HEAD_HELD
        return streaming

    def _send_head_if_held(self) -> None:
        if self.response == HEAD_HELD:
            self.response = SENDING
            if not self.disconnected:
                self.writer.send_head(self)

    def _send_trailers(self, headers: Iterable[Any], more: bool) -> None:
        if self.disconnected:
            raise ClientGone("the client has disconnected")
        if self.response != DONE:
            raise InvalidMessage("'http.response.trailers' must follow the last body part")
        self.writer.send_trailers(self, headers, more)

    def _send_body(self, body: bytes, more: bool) -> None:
        response = self.response
        if more and self.conn.transport.is_closing():
            # A closing transport drops writes without pausing us: a streaming app that never
            # awaits anything else would otherwise spin before connection_lost can run.
            self.disconnected = True
        if self.disconnected:
            raise ClientGone("the client has disconnected")
        if response != HEAD_HELD and response != SENDING:
            if response == PENDING:
                raise InvalidMessage("'http.response.start' must be sent before the body")
            raise InvalidMessage("the response has already completed")
        self.writer.send(self, body, more)
        if more:
            self.response = SENDING
            if self.conn.access_log:
                self.body_bytes += len(body)
            return
        self.response = DONE
        if self._waiter is not None:
            self._wake()
        if self.conn.access_log:
            self.body_bytes += len(body)
            access_logger.info(self.conn.state.config.access_log_line.render(self))
        self.conn.on_response_complete(self)

    # -- Errors -----------------------------------------------------------------------------

    def respond_error(self, status: int, reason: str, close: bool = True) -> None:
        """Answer with a plain-text error (closing the connection afterwards by default)."""
        if close:
            self.keep_alive = False
        if self.response == HEAD_HELD:
            self.writer.discard_head()
            self.response = PENDING
        self.respond(
            status,
            [(b"content-type", b"text/plain; charset=utf-8")],
            reason.encode("utf-8") + b"\n",
        )

    def _on_app_return(self) -> None:
        if self.disconnected:
            return
        log_unfinished(self.method, self.path)
        self._salvage()

    def _on_app_error(self, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            if self.conn.state.shutting_down:  # the graceful shutdown's time ran out
                log_cancelled_at_shutdown(self.method, self.path)
            elif not self.disconnected:
                error_logger.warning("request cancelled: %s %s", self.method, self.path)
        elif self.disconnected and isinstance(exc, ClientGone):
            return  # the client left; nothing went wrong on our side
        else:
            log_app_error(self.method, self.path, exc)
        self._salvage()

    def _salvage(self) -> None:
        """After a failed app: a 500 if nothing was sent yet, otherwise drop the connection."""
        if self.response == DONE or self.disconnected:
            return
        if self.response == SENDING:
            self.keep_alive = False
            self.conn.close()
            return
        self.respond_error(500, "Internal Server Error", close=False)


class BodyStream:
    """The request body as an async iterator of chunks, as they arrive."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange

    def __aiter__(self) -> BodyStream:
        return self

    async def __anext__(self) -> bytes:
        exchange = self.exchange
        while exchange.body_state != CONSUMED:
            # Gone while the app was not waiting (busy between reads): no wake-up will come.
            if (
                not exchange._chunks
                and exchange.body_state == RECEIVING
                and not exchange.disconnected
            ):
                await exchange._wait()
            if exchange.disconnected:
                raise ClientDisconnected()
            data = exchange._take_body()
            if data:
                return data
        raise StopAsyncIteration
