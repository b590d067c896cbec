"""One request and its response on an HTTP/1.1 connection.

An :class:`Exchange` is both the ASGI ``receive``/``send`` pair and the
:class:`~squall.server.native.NativeRequest` handed to native apps: the two paths share
the body buffer and the response writer, so they behave the same on the wire.

This is the hot path.  Instance defaults live on the class (most requests never change
them), single bytes are tested as ints (``13 in value``: ~8x faster than ``b"\\r" in value``
here) and the response head and a short body leave in one write, batched with the other
connections' responses at the end of the loop iteration (see ``HttpConnection.write_last``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Iterable
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

from squall.server.http11.wire import (
    CLOSE,
    CONTINUE_100,
    HEADER_CACHE,
    LAST_CHUNK,
    STATUS_LINES,
    chunk,
    content_length_line,
    header_entry,
    status_line,
)
from squall.server.native import (
    ClientDisconnected,
    ClientGone,
    Message,
    RawHeaders,
)
from squall.server.state import access_logger, error_logger

if TYPE_CHECKING:
    from squall.server.http11.connection import HttpConnection

DISCONNECT: Final[Message] = {"type": "http.disconnect"}
ASGI_VERSION: Final = {"version": "3.0", "spec_version": "2.4"}
PERCENT: Final = 37


class Exchange:
    # Defaults shared by every instance until one assigns its own value.
    reject: tuple[int, str] | None = None
    keep_alive = True
    expect_100 = False  # the client waits for "100 Continue" before sending the body
    started = False
    complete = False
    disconnected = False
    body_complete = False
    status = 0
    _state: dict[str, Any] | None = None
    _waiter: asyncio.Future[None] | None = None
    _head: list[bytes] | None = None
    _content_length: int | None = None
    _remaining = 0
    _chunked = False
    _no_body = False
    _body_done = False  # the last of the body was handed to the app
    _body_size = 0
    _buffered = 0
    _chunks: list[bytes] | tuple[()] = ()  # a list once the first body bytes arrive

    def __init__(
        self,
        conn: HttpConnection,
        method: str,
        raw_path: bytes,
        query_string: bytes,
        headers: list[tuple[bytes, bytes]],
        http_version: str,
    ) -> None:
        self.conn = conn
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

    @property
    def client(self) -> tuple[str, int] | None:
        return self.conn.client

    @property
    def server(self) -> tuple[str, int] | None:
        return self.conn.server

    @property
    def scheme(self) -> str:
        return self.conn.scheme

    @property
    def root_path(self) -> str:
        return self.conn.root_path

    @property
    def state(self) -> dict[str, Any]:
        if self._state is None:
            self._state = self.conn.state.lifespan_state.copy()
        return self._state

    # -- Fed by the connection ------------------------------------------------------------

    def feed_body(self, data: bytes) -> None:
        if self.complete:
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
        self.body_complete = True
        if self._waiter is not None:
            self._wake()

    def on_disconnect(self) -> None:
        self.disconnected = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- ASGI -----------------------------------------------------------------------------

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
        return scope

    async def receive(self) -> Message:
        if self.expect_100:
            self._send_continue()
        if self._body_done or self.disconnected or self.complete:
            if not (self.disconnected or self.complete):
                await self._wait()  # nothing more to read: wait for the client to go
            return DISCONNECT
        if not self._chunks and not self.body_complete:
            await self._wait()
            if self.disconnected:
                return DISCONNECT
        body = self._take_body()
        return {"type": "http.request", "body": body, "more_body": not self._body_done}

    def send(self, message: Message) -> Awaitable[None]:
        """ASGI ``send``: a plain function returning an awaitable, as the spec allows.

        The work is synchronous unless the client reads slowly, so the usual return value
        is an already-completed future: cheaper to await than a new coroutine.
        """
        kind: str = message["type"]  # a str, so compiled code compares it natively
        if kind == "http.response.body":
            more = message.get("more_body", False)
            self._send_body(message.get("body", b""), more)
            if more and self.conn.write_paused:
                return self.conn.drain()
        elif kind == "http.response.start":
            self._start(message["status"], message.get("headers", ()))
            if self._content_length is None and not self._no_body:
                # A streaming response: let the client see the head even if the body is slow.
                self.conn.loop.call_soon(self._flush_head)
        else:
            raise RuntimeError(f"unexpected ASGI message type {kind!r}")
        return self.conn.state.done

    def app_done(self, exc: BaseException | None) -> None:
        """The app's coroutine has ended, raising ``exc`` if not None."""
        self.conn.state.active_requests -= 1
        if exc is not None:
            self._on_app_error(exc)
        elif not self.complete:
            self._on_app_return()

    # -- Native ---------------------------------------------------------------------------

    async def body(self) -> bytes:
        if self.expect_100:
            self._send_continue()
        if self.body_complete and not self.disconnected:  # the common case: it all arrived
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
        if self.body_complete and not self._body_done and not self.disconnected:
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
        self._flush_head()

    async def write(self, data: bytes) -> None:
        self._send_body(data, True)
        if self.conn.write_paused:
            await self.conn.drain()

    async def end_response(self) -> None:
        self._send_body(b"", False)

    # -- Request body internals -----------------------------------------------------------

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
        if self.body_complete:
            self._body_done = True
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return b"".join(chunks)

    def _send_continue(self) -> None:
        self.expect_100 = False
        if not self.body_complete and not self.started and not self.disconnected:
            self.conn.write(CONTINUE_100)

    # -- Response writer ------------------------------------------------------------------

    def _start(self, status: int, headers: Iterable[Any]) -> None:
        """Begin the response head; ``headers`` is any iterable of (name, value) pairs."""
        if self.started:
            raise RuntimeError("the response has already started")
        self.status = status
        head = [STATUS_LINES.get(status) or status_line(status)]
        cached = HEADER_CACHE
        # A list (the usual case) is walked natively; any other iterable is listed first.
        pairs: list[Any] = headers if type(headers) is list else list(headers)
        for header in pairs:
            try:
                entry = cached.get(header)
            except TypeError:  # a list, not a tuple: fine, just not cacheable
                entry = None
            if entry is None:
                entry = header_entry(header)
            if type(entry) is bytes:
                head.append(entry)
            elif type(entry) is tuple:
                self._content_length, line = entry
                head.append(line)
            elif entry is CLOSE:
                self.keep_alive = False
        if status < 200 or status == 204 or status == 304:
            self._no_body = True
            if self._content_length is not None:
                self._content_length = None
                head = [line for line in head if not line.startswith(b"content-length:")]
        elif self.method == "HEAD":
            self._no_body = True
        if self._content_length is not None:
            self._remaining = self._content_length
        self.started = True  # only now: after an invalid header, the app's 500 can still go
        self._head = head

    def _end_head(self, head: list[bytes], body: bytes, more: bool) -> None:
        """Decide framing and connection persistence, and end the header block."""
        if self._content_length is None and not self._no_body:
            if not more:
                head.append(content_length_line(len(body)))
                self._content_length = self._remaining = len(body)
            elif self.http_version == "1.1":
                self._chunked = True
                head.append(b"transfer-encoding: chunked\r\n")
            else:
                self.keep_alive = False  # HTTP/1.0 without a length: the close ends the body
        elif self._content_length is None and body and not more and self.method == "HEAD":
            head.append(content_length_line(len(body)))  # what GET would have sent
        conn = self.conn
        head.append(conn.state.default_headers)
        if self.keep_alive and conn.state.shutting_down and not conn.pipeline:
            self.keep_alive = False
        if not self.keep_alive:
            head.append(b"connection: close\r\n\r\n")
        elif self.http_version == "1.0":
            head.append(b"connection: keep-alive\r\n\r\n")
        else:
            head.append(b"\r\n")

    def _flush_head(self) -> None:
        head = self._head
        if head is not None and not self.complete:
            self._head = None
            self._end_head(head, b"", True)
            if not self.disconnected:
                self.conn.write(b"".join(head))

    def _send_body(self, body: bytes, more: bool) -> None:
        head = self._head
        if head is None:
            self._check_can_send()
            out: list[bytes] = []
        else:  # first body part: head and body leave in one write
            self._head = None
            self._end_head(head, body, more)
            out = head
        if body and not self._no_body:
            if self._chunked:
                out.append(chunk(body))
            else:
                if self._content_length is not None:
                    self._remaining -= len(body)
                    if self._remaining < 0:
                        raise RuntimeError("response body longer than its content-length")
                out.append(body)
        if not more and self._chunked:
            out.append(LAST_CHUNK)
        if self.disconnected:
            raise ClientGone("the client has disconnected")
        if more:
            if out:
                self.conn.write(b"".join(out))
        elif out:
            self.conn.write_last(b"".join(out))
        if not more:
            if self._remaining > 0 and not self._no_body:
                self.keep_alive = False  # shorter than announced: only a close can tell
            self.complete = True
            if self._waiter is not None:
                self._wake()
            if self.conn.access_log:
                self._log_access()
            self.conn.on_response_complete(self)

    def _check_can_send(self) -> None:
        if self.disconnected:
            raise ClientGone("the client has disconnected")
        if not self.started:
            raise RuntimeError("'http.response.start' must be sent before the body")
        if self.complete:
            raise RuntimeError("the response has already completed")

    def _log_access(self) -> None:
        client = self.conn.client
        peer = f"{client[0]}:{client[1]}" if client else "-"
        target = self.raw_path.decode("latin-1")
        if self.query_string:
            target += "?" + self.query_string.decode("latin-1")
        access_logger.info(
            '%s - "%s %s HTTP/%s" %d', peer, self.method, target, self.http_version, self.status
        )

    # -- Errors ---------------------------------------------------------------------------

    def respond_error(self, status: int, reason: str, close: bool = True) -> None:
        """Answer with a plain-text error (closing the connection afterwards by default)."""
        if close:
            self.keep_alive = False
        self.started = False
        self._content_length = None
        self._head = None
        self.respond(
            status,
            [(b"content-type", b"text/plain; charset=utf-8")],
            reason.encode("utf-8") + b"\n",
        )

    def _on_app_return(self) -> None:
        if self.disconnected:
            return
        error_logger.error("ASGI callable returned without completing the response")
        self._salvage()

    def _on_app_error(self, exc: BaseException) -> None:
        if self.disconnected and isinstance(exc, ClientGone | asyncio.CancelledError):
            return  # the client left; nothing went wrong on our side
        if isinstance(exc, asyncio.CancelledError):
            error_logger.warning("request cancelled: %s %s", self.method, self.path)
        else:
            error_logger.error("exception in the app", exc_info=exc)
        self._salvage()

    def _salvage(self) -> None:
        """After a failed app: a 500 if nothing was sent yet, otherwise drop the connection."""
        if self.complete or self.disconnected:
            return
        if self.started and self._head is None:
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
        while not exchange._body_done:
            if not exchange._chunks and not exchange.body_complete:
                await exchange._wait()
            if exchange.disconnected:
                raise ClientDisconnected()
            data = exchange._take_body()
            if data:
                return data
        raise StopAsyncIteration
