"""HTTP/1.1 responses on the wire: the head, then the body framed one of three ways.

:class:`Http11Writer` is the connection's :class:`~squall.server.exchange.ResponseWriter`.
One response is written at a time on a connection (the next exchange starts once this one
is done), so the writer holds the current response's head and body framing:

- a whole body sent with its head (``respond``, the usual case) gets a ``content-length``
  and leaves in one write, batched with the loop iteration's other responses;
- a streamed body is framed by a body writer object chosen when the head goes out:
  :class:`ContentLengthBody` (the app gave a length), :class:`ChunkedBody` (HTTP/1.1,
  no length), :class:`CloseDelimitedBody` (HTTP/1.0, no length: the close ends it) or
  :class:`NoBody` (HEAD, 1xx, 204, 304).

Hot path (compiled): header tuples are looked up in an encoded-header cache, single bytes are
tested as ints.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from squall.server.exchange import DROPPED, FRAMED, Exchange, ResponseWriter
from squall.server.faults import log_short_body
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

if TYPE_CHECKING:
    from squall.server.http11.connection import HttpConnection

CONNECTION_CLOSE: Final = b"connection: close\r\n\r\n"
CONNECTION_KEEP_ALIVE: Final = b"connection: keep-alive\r\n\r\n"
TRANSFER_CHUNKED: Final = b"transfer-encoding: chunked\r\n"


class BodyWriter:
    """Frames a streamed response body."""

    def write(self, data: bytes, out: list[bytes]) -> None:
        raise NotImplementedError

    def end(self, exchange: Exchange, out: list[bytes]) -> None:
        """The body is complete; add its terminator, if the framing has one."""


class ContentLengthBody(BodyWriter):
    """The app announced the length: hold it to that."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.remaining = length

    def write(self, data: bytes, out: list[bytes]) -> None:
        self.remaining -= len(data)
        if self.remaining < 0:
            raise RuntimeError("response body longer than its content-length")
        if data:
            out.append(data)

    def end(self, exchange: Exchange, out: list[bytes]) -> None:
        if self.remaining > 0:
            exchange.keep_alive = False  # shorter than announced: only a close can tell
            log_short_body(
                exchange.method, exchange.path, self.length - self.remaining, self.length
            )


class ChunkedBody(BodyWriter):
    def write(self, data: bytes, out: list[bytes]) -> None:
        if data:
            out.append(chunk(data))

    def end(self, exchange: Exchange, out: list[bytes]) -> None:
        out.append(LAST_CHUNK)


class CloseDelimitedBody(BodyWriter):
    """HTTP/1.0 with no length: the body ends when the connection closes."""

    def write(self, data: bytes, out: list[bytes]) -> None:
        if data:
            out.append(data)


class NoBody(BodyWriter):
    """HEAD, 1xx, 204 and 304 responses: whatever the app sends is dropped."""

    def write(self, data: bytes, out: list[bytes]) -> None:
        pass


CHUNKED: Final = ChunkedBody()
CLOSE_DELIMITED: Final = CloseDelimitedBody()
NO_BODY: Final = NoBody()


class Http11Writer(ResponseWriter):
    """Writes a connection's responses, one at a time."""

    def __init__(self, conn: HttpConnection) -> None:
        self.conn = conn
        self.head: list[bytes] | None = None  # the current response's head, until it is sent
        self.content_length: int | None = None  # as the app announced it
        self.no_body = False  # HEAD, 1xx, 204, 304
        self.body: BodyWriter = NO_BODY  # the current streamed body's framing

    def start(self, exchange: Exchange, status: int, headers: Iterable[Any]) -> bool:
        head = [STATUS_LINES.get(status) or status_line(status)]
        content_length: int | None = None
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
                content_length, line = entry
                head.append(line)
            elif entry is CLOSE:
                exchange.keep_alive = False
        no_body = False
        if status < 200 or status == 204 or status == 304:
            no_body = True
            if content_length is not None:
                content_length = None
                head = [line for line in head if not line.startswith(b"content-length:")]
        elif exchange.method == "HEAD":
            no_body = True
        self.head = head
        self.content_length = content_length
        self.no_body = no_body
        return content_length is None and not no_body

    def send(self, exchange: Exchange, body: bytes, more: bool) -> None:
        head = self.head
        if head is not None:
            self.head = None
            if not more and not self.no_body:
                # The usual case, a whole body with its head: one write, no body writer.
                length = self.content_length
                if length is None:
                    head.append(content_length_line(len(body)))
                elif len(body) != length:
                    self._check_whole_length(exchange, len(body), length)
                self._end_head(exchange, head)
                if body:
                    head.append(body)
                self.conn.write_last(b"".join(head))
                return
            self.body = self._framing(exchange, head, body, more)
            self._end_head(exchange, head)
            out = head
        else:
            out = []
        framing = self.body
        framing.write(body, out)
        if more:
            if out:
                self.conn.write(b"".join(out))
            return
        framing.end(exchange, out)
        self.body = NO_BODY
        if out:
            self.conn.write_last(b"".join(out))

    def send_head(self, exchange: Exchange) -> None:
        head = self.head
        if head is not None:
            self.head = None
            self.body = self._framing(exchange, head, b"", True)
            self._end_head(exchange, head)
            self.conn.write(b"".join(head))

    def discard_head(self) -> None:
        self.head = None
        self.body = NO_BODY

    def send_continue(self, exchange: Exchange) -> None:
        self.conn.write(CONTINUE_100)
        self.conn.await_body()  # the body timer starts now

    def raw_socket(self, exchange: Exchange, count: int) -> int:
        exchange._send_head_if_held()
        body = self.body
        if body is NO_BODY:
            return DROPPED
        if type(body) is not ContentLengthBody:
            return FRAMED
        if count > body.remaining:
            raise RuntimeError("response body longer than its content-length")
        conn = self.conn
        transport = conn.transport
        if conn.scheme != "http" or transport.is_closing() or transport.get_write_buffer_size():
            return FRAMED
        sock = transport.get_extra_info("socket")
        if sock is None:
            return FRAMED
        body.remaining -= count
        return int(sock.fileno())

    def _check_whole_length(self, exchange: Exchange, sent: int, announced: int) -> None:
        if sent > announced:
            raise RuntimeError("response body longer than its content-length")
        exchange.keep_alive = False  # shorter than announced: only a close can tell
        log_short_body(exchange.method, exchange.path, sent, announced)

    def _framing(
        self, exchange: Exchange, head: list[bytes], body: bytes, more: bool
    ) -> BodyWriter:
        """Choose how the body is delimited, adding the header that says so."""
        length = self.content_length
        if self.no_body:
            if length is None and body and not more and exchange.method == "HEAD":
                head.append(content_length_line(len(body)))  # what GET would have sent
            return NO_BODY
        if length is not None:
            return ContentLengthBody(length)
        if not more:
            head.append(content_length_line(len(body)))
            return ContentLengthBody(len(body))
        if exchange.http_version == "1.1":
            head.append(TRANSFER_CHUNKED)
            return CHUNKED
        exchange.keep_alive = False  # HTTP/1.0 without a length: the close ends the body
        return CLOSE_DELIMITED

    def _end_head(self, exchange: Exchange, head: list[bytes]) -> None:
        """Add the server's headers and say whether the connection persists."""
        conn = self.conn
        head.append(conn.state.default_headers)
        if exchange.keep_alive and conn.state.shutting_down and not conn.pipeline:
            # Shutting down: this is the last response, unless a next request has begun to
            # arrive (its bytes were read: it is served too, then the connection closes).
            exchange.keep_alive = conn._in_head
        if not exchange.keep_alive:
            head.append(CONNECTION_CLOSE)
        elif exchange.http_version == "1.0":
            head.append(CONNECTION_KEEP_ALIVE)
        else:
            head.append(b"\r\n")
