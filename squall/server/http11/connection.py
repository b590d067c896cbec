"""HTTP/1.1 over one TCP (or Unix) connection: parsing, pipelining, timeouts, flow control.

httptools (llhttp) calls the ``on_*`` methods while ``data_received`` feeds it.  Each request
head becomes an :class:`Exchange`; exchanges run one at a time, in arrival order, and the
next one starts when the previous response is complete.  The app coroutine is started
eagerly after the parser has consumed the packet, so a request whose body arrived with its
head is answered without a trip through the event loop's scheduler.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Final

import httptools

from squall.server.eager import Worker
from squall.server.exchange import ASGI_VERSION, PENDING, RECEIVING, Exchange
from squall.server.http11 import wire
from squall.server.http11.errors import Rejected, parse_failure
from squall.server.http11.plain import read_head
from squall.server.http11.writer import Http11Writer
from squall.server.proxy_headers import HEADER_NAMES as PROXY_HEADER_NAMES
from squall.server.sendfile import FILE_EXTENSIONS
from squall.server.state import ServerState, error_logger
from squall.server.tasks import watch
from squall.server.transport import StreamConnection
from squall.server.websocket.handshake import asks_for_websocket

SPECIAL_HEADERS: Final = frozenset(
    (b"host", b"content-length", b"expect", b"content-type", b"upgrade", *PROXY_HEADER_NAMES)
)
SLASH: Final = 47
SP: Final = 32
HTAB: Final = 9
HASH: Final = 35
# Interned method names: no bytes->str decode per request for the common ones.
METHODS: Final = {
    m.encode("ascii"): m
    for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT")
}


BATCH_LIMIT: Final = 16 * 1024  # bigger final writes go out at once


def _split_target(url: bytes) -> tuple[bytes, bytes]:
    """The path and the query of a request target, as llhttp handed it over."""
    if url and url[0] == SLASH and HASH not in url:
        raw_path, _, query = url.partition(b"?")
        return raw_path, query
    if url == b"*":
        return url, b""
    try:
        # Any: a missing part is None, whatever httptools' stubs say (mypyc would check them).
        parsed: Any = httptools.parse_url(url)
    except httptools.HttpParserInvalidURLError:
        raise Rejected(400, "Invalid request target") from None
    return parsed.path or b"/", parsed.query or b""


class HttpConnection(StreamConnection):
    """An ``asyncio.Protocol`` (by its methods: a compiled class can't subclass it)."""

    def __init__(self, state: ServerState) -> None:
        super().__init__(state)
        self.max_header_count = state.max_header_count
        self.start_task = state.start_task
        self.worker: Worker | None = None  # created once the connection proves to be kept alive
        self.parser = httptools.HttpRequestParser(self)
        self.writer = Http11Writer(self)
        self.exchange: Exchange | None = None  # the one whose response is being produced
        self.incoming: Exchange | None = None  # the one whose body is being parsed
        self.pipeline: deque[Exchange] = deque()
        self.start_pending = False
        self._batched = b""  # a finished response waiting for the end of the loop iteration
        self._to_flush: list[HttpConnection] = state.to_flush
        self._flush_batch = state.flush_batch  # bound once: scheduled every loop iteration
        self.pending_error: bytes | None = None
        # Which parser read each request head: the compiled plain-head scan or llhttp.
        self.plain_heads = 0
        self.llhttp_heads = 0
        # Per-message parse state.
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._header_size = 0
        self._hosts = 0
        self._expect_100 = False
        self._content_length = b""
        self._content_type = b""
        self._forwarded = False  # a proxy header is present (see proxy_headers.py)
        self._upgrade_header = False  # an Upgrade header is present
        # A request asking for a WebSocket, and what came after its head (websocket/upgrade.py).
        self.websocket_upgrade = state.websocket_upgrade
        self.upgrade_request: Exchange | None = None
        self.upgrade_data = b""
        self._in_head = False
        self._head_bytes = 0
        self._data_size = 0
        self._body_left = 0  # bytes of a plain request's body still to come
        self.input_closed = False  # a request asked to close: read no further request
        self.max_head_size = min(state.max_header_size, state.max_request_line_size)

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.attach(transport)
        self.scope_template = {  # what every request's ASGI scope starts from (Exchange.scope)
            "type": "http",
            "asgi": ASGI_VERSION,
            "http_version": "1.1",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "method": "GET",
            "root_path": self.root_path,
            "path": "/",
            "raw_path": b"/",
            "query_string": b"",
            "headers": [],
            "state": {},
            "extensions": FILE_EXTENSIONS,  # pathsend and zerocopy (sendfile.py)
        }
        self.set_deadline(self.state.timeout_headers)  # a new connection must speak soon

    def data_received(self, data: bytes) -> None:
        if self.broken:
            return
        if self._body_left:
            data = self._take_plain_body(data)
        if self.incoming is None and not self._in_head:  # at a message boundary
            if self.input_closed:
                return  # after a request that closes the connection, nothing more is read
            try:
                data = self._take_plain_requests(data)
            except Exception as exc:  # a bug: a 500, as in a parser callback
                self._on_parse_error(exc)
                data = b""
        if data:
            self._parse(data)
        if self.start_pending:
            self.start_pending = False
            exchange = self.exchange
            if exchange is not None and exchange.response == PENDING:
                if exchange is self.upgrade_request:
                    self._upgrade(exchange)
                else:
                    self._run(exchange)

    def _parse(self, data: bytes) -> None:
        """Let llhttp read what the plain-head path left (see plain.py)."""
        self._data_size = len(data)
        if not self._in_head and self.incoming is None:  # the first bytes of a new request
            self._in_head = True
            self._head_bytes = 0
            self.set_deadline(self.state.timeout_headers)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self.upgrade_data = data[exc.args[0] :] if exc.args else b""
            self._on_unsupported_upgrade()
        except Exception as exc:
            self._on_parse_error(exc)
        if self._in_head and not self.broken:
            self._head_bytes += len(data)
            if self._head_bytes > self.state.max_request_line_size + self.state.max_header_size:
                self.fail(431 if self._headers else 414, "Request header section too large")

    def _take_plain_requests(self, data: bytes) -> bytes:
        """Accept the plain requests at the front of ``data``; return what llhttp must read."""
        state = self.state
        max_head = self.max_head_size
        max_count = self.max_header_count
        size = len(data)
        pos = 0
        while pos < size and not self.broken and not self.input_closed:
            head = read_head(data, pos, max_head, max_count)
            if head is None:
                break
            length = head.content_length
            limit = state.max_body_size
            if limit is not None and length > limit:
                break  # llhttp's path answers 413
            exchange = self._accept(
                head.method, head.raw_path, head.query, head.headers, head.version, head.keep_alive
            )
            self.plain_heads += 1
            if head.expect_100 and head.version == "1.1":
                exchange.expect_100 = True
            exchange.content_type = head.content_type
            if head.forwarded and self.trust_forwarded:
                self._apply_proxy_headers(exchange)
            pos = head.end
            if length:
                available = size - pos
                if available < length:  # the rest of the body comes in later reads
                    if available:
                        exchange.feed_body(data[pos:] if pos else data)
                    self._body_left = length - available
                    return b""
                exchange.feed_body(data[pos : pos + length])
                pos += length
            self._message_complete(exchange)
        return data[pos:] if pos else data

    def _take_plain_body(self, data: bytes) -> bytes:
        """Feed the Content-Length body of a plain request; return the bytes after it."""
        left = self._body_left
        exchange = self.incoming
        if len(data) < left:
            self._body_left = left - len(data)
            if exchange is not None:
                exchange.feed_body(data)
            return b""
        self._body_left = 0
        if exchange is not None:
            exchange.feed_body(data[:left] if len(data) > left else data)
            self._message_complete(exchange)
        return data[left:]

    def _on_parse_error(self, exc: Exception) -> None:
        if isinstance(exc, httptools.HttpParserUpgrade):
            self._on_unsupported_upgrade()
            return
        status, reason = parse_failure(exc)  # a bug in a callback is a 500: see errors.py
        self.fail(status, reason)

    def connection_lost(self, exc: Exception | None) -> None:
        self.detach()
        for exchange in (self.exchange, self.incoming, *self.pipeline):
            if exchange is not None:
                exchange.on_disconnect()
        self.pipeline.clear()
        if self.worker is not None:
            self.worker.close()

    def eof_received(self) -> bool | None:
        """The client closed its side: like uvicorn and nginx, treat it as gone."""
        return None  # the transport closes; connection_lost tells the app

    def write(self, data: bytes) -> None:
        """Write now, after whatever earlier response still waits in the batch."""
        if self._batched:
            self.flush()
        if not self.transport.is_closing():
            self.transport.write(data)

    def write_last(self, data: bytes) -> None:
        """The end of a response: small ones wait for the loop iteration's batch.

        Writing each response the moment it is ready interleaves socket sends (and the
        client wake-ups they cause) with request processing; collecting the iteration's
        responses and sending them together made Starlette apps ~15% faster (bench/).
        """
        if len(data) > BATCH_LIMIT or self._batched:
            self.write(data)
            return
        self._batched = data
        to_flush = self._to_flush
        if not to_flush:
            self.loop.call_soon(self._flush_batch)
        to_flush.append(self)

    def flush(self) -> None:
        data = self._batched
        if data:
            self._batched = b""
            if not self.transport.is_closing():
                self.transport.write(data)

    # -- Parser callbacks (llhttp) ----------------------------------------------------------

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > self.state.max_request_line_size:
            raise Rejected(414, "Request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        name = name.lower()
        if value and (value[-1] == SP or value[-1] == HTAB):
            value = value.rstrip(b" \t")  # trailing OWS is not part of the value (RFC 9110 5.5)
        self._headers.append((name, value))
        if name in SPECIAL_HEADERS:
            if name == b"host":
                self._hosts += 1
            elif name == b"content-length":
                self._content_length = value
            elif name == b"content-type":
                self._content_type = value
            elif name == b"expect":
                if value.lower() == b"100-continue":
                    self._expect_100 = True
            elif name == b"upgrade":
                self._upgrade_header = True
            else:
                self._forwarded = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        self.deadline = None
        state = self.state
        parser = self.parser
        headers = self._headers
        if self._head_bytes + self._data_size > state.max_header_size:
            self._check_header_size()  # only a big head can be too big: skip the sum otherwise
        if len(headers) > state.max_header_count:
            raise Rejected(431, "Too many request headers")
        version = parser.get_http_version()
        if version != "1.1" and version != "1.0":
            raise Rejected(505, "HTTP version not supported")
        if self._hosts != 1 and (version == "1.1" or self._hosts > 1):
            reason = "Multiple Host headers" if self._hosts else "Missing Host header"
            raise Rejected(400, reason)
        limit = state.max_body_size
        if self._content_length and limit is not None and int(self._content_length) > limit:
            raise Rejected(413, "Request body too large")
        raw_method = parser.get_method()
        if raw_method == b"CONNECT":  # a tunnel request, for proxies (RFC 9110 9.3.6)
            raise Rejected(501, "CONNECT is not supported")
        method = METHODS.get(raw_method) or raw_method.decode("ascii")
        raw_path, query = _split_target(self._url)
        exchange = self._accept(
            method, raw_path, query, headers, version, bool(parser.should_keep_alive())
        )
        self.llhttp_heads += 1
        if self._expect_100 and version == "1.1":
            exchange.expect_100 = True
        exchange.content_type = self._content_type
        if self._forwarded:
            self._forwarded = False
            if self.trust_forwarded:
                self._apply_proxy_headers(exchange)
        if self._upgrade_header:
            self._upgrade_header = False
            if self.websocket_upgrade is not None and asks_for_websocket(headers):
                self.upgrade_request = exchange
        self._url = b""
        self._headers = []
        self._hosts = 0
        self._content_length = b""
        self._content_type = b""
        self._expect_100 = False

    def _accept(
        self,
        method: str,
        raw_path: bytes,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        version: str,
        keep_alive: bool,
    ) -> Exchange:
        """A request head was read: queue its exchange (started at the end of the read)."""
        self._in_head = False
        self.deadline = None
        state = self.state
        exchange = Exchange(self, self.writer, method, raw_path, query, headers, version)
        if not keep_alive:
            exchange.keep_alive = False
            self.input_closed = True
        if state.limit_concurrency is not None and (
            len(state.connections) > state.limit_concurrency
            or state.active_requests >= state.limit_concurrency
        ):
            exchange.reject = (503, "Service Unavailable")
        self.incoming = exchange
        if self.exchange is None:
            self.exchange = exchange
            self.start_pending = True
        else:
            self.pipeline.append(exchange)
            if len(self.pipeline) >= state.max_pipelined_requests:
                self.pause_reading()
        return exchange

    def _apply_proxy_headers(self, exchange: Exchange) -> None:
        """A trusted proxy sent proxy headers: they may name another client and scheme."""
        trust = self.state.proxy_trust
        if trust is None:
            return
        forwarded = trust.resolve(exchange.headers, self.client, self.scheme)
        if forwarded is not None:
            exchange.forward(forwarded[0], forwarded[1])

    def _check_header_size(self) -> None:
        state = self.state
        headers = self._headers
        size = sum(len(name) + len(value) for name, value in headers)
        if size > state.max_header_size:
            raise Rejected(431, "Request header section too large")
        # The fewest bytes this head can have taken (llhttp requires CRLF line ends): the
        # request line "METHOD SP target SP HTTP/x.y CRLF", "name:value CRLF" per field, and
        # the blank line.  An unfinished head is refused once its raw bytes pass the limits'
        # sum (_parse); a finished head must be too, or a head read whole would be served and
        # the same head read in pieces refused (differential fuzzing found it: see
        # tests/server/test_parser_agreement.py).  The stricter answer wins.
        request_line = len(self.parser.get_method()) + len(self._url) + 12
        least = request_line + size + 3 * len(headers) + 2
        if least > state.max_request_line_size + state.max_header_size:
            raise Rejected(431, "Request header section too large")

    def on_body(self, body: bytes) -> None:
        incoming = self.incoming
        if incoming is not None:
            incoming.feed_body(body)

    def on_message_complete(self) -> None:
        incoming = self.incoming
        if incoming is not None:
            self._message_complete(incoming)

    def _message_complete(self, exchange: Exchange) -> None:
        self.incoming = None
        exchange.finish_body()

    # -- Running exchanges ----------------------------------------------------------------

    def _run(self, exchange: Exchange) -> None:
        state = self.state
        if exchange.reject is not None:
            exchange.respond_error(*exchange.reject)
            return
        state.active_requests += 1
        try:
            if state.native is not None:
                coro = state.native(exchange)
            else:
                coro = state.app(exchange.scope(), exchange.receive, exchange.send)
        except Exception as exc:
            exchange.app_done(exc)
            return
        if self.worker is not None:
            self.worker.run(coro, exchange)
        else:
            self.start_task(watch(coro, exchange.app_done))

    def _upgrade(self, exchange: Exchange) -> None:
        """A WebSocket handshake: answered (or refused) by the WebSocket side, not the app."""
        self.upgrade_request = None
        upgrade = self.websocket_upgrade
        if upgrade is None or self.pipeline:
            self._run(exchange)  # pipelined behind other requests: plain HTTP, as before
            return
        self.exchange = None
        self.input_closed = True
        upgrade(self, exchange, self.upgrade_data)

    def hand_over(self) -> None:
        """The transport now belongs to another protocol: leave the server's connection set."""
        self.detach()
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()

    def _run_next(self) -> None:
        exchange = self.exchange
        if (
            exchange is not None
            and exchange.response == PENDING
            and not self.transport.is_closing()
        ):
            self._run(exchange)

    def on_response_complete(self, exchange: Exchange) -> None:
        state = self.state
        state.total_requests += 1
        if not exchange.keep_alive:
            self.close()
            return
        if exchange.expect_100 and exchange.body_state == RECEIVING:
            self.close()  # the client still waits for 100-continue: its body may never come
            return
        self.exchange = None
        if self.worker is None:
            self.worker = Worker(self.loop, self.start_task)
        if self.pipeline:
            self.exchange = self.pipeline.popleft()
            if self.read_paused and len(self.pipeline) < state.max_pipelined_requests:
                self.resume_reading()
            self.loop.call_soon(self._run_next)  # not inline: keeps the stack flat
        elif self.pending_error is not None:
            self._write_error_and_close(self.pending_error)
        elif state.shutting_down and not self._in_head:  # else serve the one arriving
            self.close()
        else:
            if self.read_paused:
                self.resume_reading()  # whatever paused reading is over with this response
            if not self._in_head and self.incoming is None:
                self.set_deadline(state.timeout_keep_alive)

    # -- Failures, timeouts, shutdown ------------------------------------------------------

    def fail(self, status: int, reason: str) -> None:
        """The request stream can't be trusted any more: answer ``status`` and close."""
        if self.broken:
            return
        self.broken = True
        self.deadline = None
        self.pause_reading()
        incoming = self.incoming
        self.incoming = None
        if incoming is not None and incoming is not self.exchange:
            self.pipeline.remove(incoming)
        if incoming is not None and incoming is self.exchange:
            if incoming.response != PENDING:
                self.close()
            else:
                incoming.respond_error(status, reason)
            incoming.on_disconnect()  # the app must not read a body we can't frame
            return
        error = wire.error_response(status, reason, self.state.default_headers)
        if self.exchange is None:
            self._write_error_and_close(error)
        else:
            self.pending_error = error

    def _on_unsupported_upgrade(self) -> None:
        """llhttp stops at an Upgrade/CONNECT; answer that request, then close."""
        self.broken = True
        incoming = self.incoming
        if incoming is not None:
            self.incoming = None
            incoming.finish_body()
        last = self.pipeline[-1] if self.pipeline else (incoming or self.exchange)
        if last is not None:
            last.keep_alive = False  # nothing after it is read: close after its response

    def _write_error_and_close(self, error: bytes) -> None:
        self.write(error)
        self.close()

    def on_deadline(self) -> None:
        self.deadline = None
        if self.lingering:
            self.transport.close()
        elif self._in_head and self.exchange is None:
            self._write_error_and_close(
                wire.error_response(408, "Request header timeout", self.state.default_headers)
            )
        else:
            self.close()

    def shutdown(self) -> None:
        """Graceful shutdown: close now if idle, else after the response in progress."""
        if self.exchange is None and self.incoming is None and not self._in_head:
            self.close()


__all__ = ["HttpConnection", "Rejected", "error_logger"]
