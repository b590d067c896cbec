"""HTTP/1.1 over one TCP (or Unix) connection: parsing, pipelining, timeouts, flow control.

httptools (llhttp) calls the ``on_*`` methods (llhttp_reader.py) while ``data_received`` feeds
it; the compiled plain-head scan (plain.py) reads the common requests first.  Each request
head becomes an :class:`Exchange`; exchanges run one at a time, in arrival order, and the
next one starts when the previous response is complete.  The app coroutine is started
eagerly after the parser has consumed the packet, so a request whose body arrived with its
head is answered without a trip through the event loop's scheduler.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Final

import httptools

from squall.server.eager import Worker
from squall.server.exchange import ASGI_VERSION, PENDING, RECEIVING, Exchange
from squall.server.http2 import PREFACE, PREFACE_REFUSAL
from squall.server.http11 import wire
from squall.server.http11.errors import Rejected, parse_failure
from squall.server.http11.llhttp_reader import LlhttpReader
from squall.server.http11.plain import read_head
from squall.server.http11.writer import Http11Writer
from squall.server.sendfile import FILE_EXTENSIONS
from squall.server.state import ServerState, error_logger
from squall.server.tasks import watch
from squall.server.transport import StreamConnection

BATCH_LIMIT: Final = 16 * 1024  # bigger final writes go out at once
# What a lost connection's ``parser`` becomes: a parser holding no callbacks (never fed).
DETACHED_PARSER: Final = httptools.HttpRequestParser(object())
BODY_PROGRESS: Final = 1024  # body bytes that restart the body timer (see await_body)


class HttpConnection(LlhttpReader):
    """An ``asyncio.Protocol`` (by its methods: a compiled class can't subclass it)."""

    def __init__(self, state: ServerState) -> None:
        super().__init__(state)
        self.start_task = state.start_task
        self.worker: Worker | None = None  # created once the connection proves to be kept alive
        self.writer: Http11Writer | None = Http11Writer(self)  # None once the connection is lost
        self.exchange: Exchange | None = None  # the one whose response is being produced
        self.pipeline: deque[Exchange] = deque()
        self.start_pending = False
        self._batched = b""  # a finished response waiting for the end of the loop iteration
        self._to_flush: list[HttpConnection] = state.to_flush
        self._flush_batch = state.flush_batch  # bound once: scheduled every loop iteration
        self.pending_error: bytes | None = None
        self.run_when_drained = False  # a pipelined request waits for the client to read
        self._body_mark = 0  # body bytes received when the body timer last started
        self._body_left = 0  # bytes of a plain request's body still to come
        self.input_closed = False  # a request asked to close: read no further request
        self.max_head_size = min(state.max_header_size, state.max_request_line_size)
        self.max_raw_head_size = state.max_request_line_size + state.max_header_size

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
        if self.incoming is not None and not self.broken:
            self.await_body()  # a body is still on its way (rare: most arrive with the head)
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
        if self._in_head and self._head_bytes + len(data) > self.max_raw_head_size:
            self._measure_head(data)  # a big read: the head may be over the limit in raw bytes
        incoming = self.incoming if self._chunked else None
        data_before = self._chunk_data
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            self.upgrade_data = data[exc.args[0] :] if exc.args else b""
            self._on_unsupported_upgrade()
        except Exception as exc:
            if self._h2c_preface(exc, data):
                return
            self._on_parse_error(exc)
        if incoming is not None and incoming is self.incoming and not self.broken:
            self._check_chunk_overhead(len(data) - (self._chunk_data - data_before))
        if self._in_head and not self.broken:
            self._head_bytes += len(data)
            self._head_tail = data[-3:]
            if self._head_bytes > self.max_raw_head_size:
                self.fail(431 if self._headers else 414, "Request header section too large")

    def _h2c_preface(self, exc: Exception, data: bytes) -> bool:
        """The connection opened with HTTP/2's preface (h2c with prior knowledge), which llhttp
        refuses: hand it to HTTP/2 if spoken.  Looked for only here, on the refusal, so
        HTTP/1.1 requests pay nothing for it; the preface's first part llhttp read in
        earlier reads is known (it refuses nothing else with this reason)."""
        take_over = self.state.h2c_take_over
        if (
            take_over is None
            or self.exchange is not None
            or self.worker is not None  # requests came before: it is not a preface
            or str(exc) != PREFACE_REFUSAL
        ):
            return False
        self.hand_over()
        take_over(self, PREFACE[: self._head_bytes] + data)
        self._release()
        return True

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
        self.deadline = None  # the body timer's
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
        self._release()

    def _release(self) -> None:
        """Drop the references that lead back here: the parser (its callbacks are this
        connection's methods), the writer and the exchanges (they point back to it).

        Without this every closed connection was a reference cycle, freed with its transport
        only when the cyclic collector got to it: 60,000 connections in a row grew the server's
        memory by ~1.7 MiB (bench/soak.py); now it stays flat.  An app still answering holds
        its exchange, which holds the writer and this connection: its late writes are dropped
        as before.
        """
        self.parser = DETACHED_PARSER
        self.writer = None
        self.exchange = None
        self.incoming = None
        self.upgrade_request = None

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

    # -- Accepting requests (from plain.py's scan or the llhttp callbacks) -----------------

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
        writer = self.writer
        assert writer is not None  # released when the connection is lost: no head comes after
        exchange = Exchange(self, writer, method, raw_path, query, headers, version)
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
            if self.write_paused:  # the client is not reading: its next response waits
                self.run_when_drained = True
                return
            self._run(exchange)

    # -- Slow clients -----------------------------------------------------------------------

    def await_body(self) -> None:
        """The client has ``timeout_body`` seconds to send BODY_PROGRESS more bytes of body.

        Any read would do for nginx; a byte now and then is how slow-body attacks hold a
        connection, so the clock restarts only once BODY_PROGRESS bytes have come.
        """
        incoming = self.incoming
        if incoming is None or incoming.expect_100:  # it waits for 100 Continue: not yet
            return
        received = incoming.body_received
        if self.deadline is None or received - self._body_mark >= BODY_PROGRESS:
            self._body_mark = received
            self.set_deadline(self.state.timeout_body)

    def _on_body_deadline(self, incoming: Exchange) -> None:
        """Too little body in ``timeout_body`` seconds: 408, or a close once answering."""
        if self.read_paused or incoming.expect_100:  # we are the ones not reading
            self._body_mark = incoming.body_received
            self.set_deadline(self.state.timeout_body)
            return
        self.fail(408, "Request body timeout")

    def pause_writing(self) -> None:
        """The client reads slower than we write: read no further requests meanwhile.

        Else a client that sends requests and reads none of the answers would have them
        all queue in the write buffer (pipelined or not).
        """
        StreamConnection.pause_writing(self)
        if not self.lingering:  # a closing connection reads on (and drops) what comes
            self.pause_reading()

    def resume_writing(self) -> None:
        StreamConnection.resume_writing(self)
        if self.broken:
            return
        if len(self.pipeline) < self.state.max_pipelined_requests:
            self.resume_reading()
        if self.run_when_drained:
            self.run_when_drained = False
            self._run_next()

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
        if incoming is not None and incoming in self.pipeline:
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
        incoming = self.incoming
        if self.lingering:
            self.on_linger_deadline()
        elif self._in_head and self.exchange is None:
            self._write_error_and_close(
                wire.error_response(408, "Request header timeout", self.state.default_headers)
            )
        elif incoming is not None:
            self._on_body_deadline(incoming)
        else:
            self.close()

    def shutdown(self) -> None:
        """Graceful shutdown: close now if idle, else after the response in progress."""
        if self.exchange is None and self.incoming is None and not self._in_head:
            self.close()


__all__ = ["HttpConnection", "Rejected", "error_logger"]
