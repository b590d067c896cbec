"""HTTP/2 over one TCP connection: the asyncio protocol around a sans-IO codec.

The codec is ours (core.py, ``--h2-codec squall``, the default) or the ``h2`` library's
(library.py's ``LibraryCodec``, ``--h2-codec h2``): both take the same calls, answer with
events.py's events and raise ConnectionError_ on a connection error.  Each new stream becomes
an :class:`~squall.server.exchange.Exchange` (the same request object as
HTTP/1.1, with an :class:`~squall.server.http2.stream.H2Stream` as its connection), many at
once.  The apps of the streams a read opened start once all of its events are handled (a body
that came in the same read is then complete), each run eagerly in the connection's worker
task as over HTTP/1.1 (eager.py): one that answers without suspending costs no task of its
own.  Frames out are the codec's ``data_to_send()``, written once per loop iteration with the
other connections' responses.

Streams past ``--h2-max-concurrent-streams`` are refused (REFUSED_STREAM); rapid resets,
zero-window stalls, floods and oversized header blocks are cut short (defences.py lists where);
a new stream's proxy headers, ``--limit-concurrency`` and body timer are admission.py's.  The
connection closes after ``--timeout-keep-alive`` seconds with no stream open (GOAWAY first),
and on graceful shutdown it sends GOAWAY naming the last stream it will serve, lets the open
streams finish, then closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from squall.server.eager import Worker
from squall.server.exchange import ASGI_VERSION, RECEIVING, Exchange
from squall.server.http2.admission import (
    Timers,
    apply_proxy_headers,
    refusal,
    trusts_proxy_headers,
    watch_body,
)
from squall.server.http2.core import H2Core
from squall.server.http2.defences import RESET_WINDOW, ResetBudget
from squall.server.http2.errors import (
    CANCEL,
    ENHANCE_YOUR_CALM,
    NO_ERROR,
    PROTOCOL_ERROR,
    REFUSED_STREAM,
    ConnectionError_,
)
from squall.server.http2.events import (
    ConnectionTerminated,
    DataReceived,
    Event,
    RemoteSettingsChanged,
    RequestReceived,
    StreamEnded,
    StreamReset,
    WindowUpdated,
)
from squall.server.http2.flow import ALL_SENT, send_outbox
from squall.server.http2.frames import goaway_frame
from squall.server.http2.request import request_head
from squall.server.http2.settings import new_core
from squall.server.http2.stream import CLOSED, ENDING, H2Stream, H2Writer
from squall.server.http2.trailers import EXTENSIONS as TRAILER_EXTENSIONS
from squall.server.http2.websocket_stream import WebSocketStream, open_websocket
from squall.server.state import error_logger
from squall.server.tasks import watch
from squall.server.transport import LINGER

if TYPE_CHECKING:
    from squall.server.config import Config
    from squall.server.state import ServerState

CodecFactory = Callable[["Config"], H2Core]  # a new connection's codec, SETTINGS queued


class H2Protocol:
    """An ``asyncio.Protocol`` (by its methods) speaking HTTP/2 as a server."""

    def __init__(
        self, state: ServerState, received: bytes = b"", codec: CodecFactory = new_core
    ) -> None:
        self.state = state
        self.loop = state.loop
        self.received = received  # bytes HTTP/1.1 read before handing the connection over
        self.h2 = codec(state.config)  # our H2Core, or foreign.py's around the h2 library
        self.max_streams = state.config.h2_max_concurrent_streams
        self.writer = H2Writer(state)
        self.streams: dict[int, H2Stream] = {}
        self.blocked: dict[int, H2Stream] = {}  # streams whose outbox waits for a window
        self.stall_timers: dict[int, asyncio.TimerHandle] = {}  # for the blocked streams
        self.body_timers: Timers = {}  # --timeout-body, for the streams whose body is coming
        self.trust_forwarded = False  # the peer may send proxy headers (admission.py)
        self.resets = ResetBudget(self.max_streams)
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.scheme = "http"
        self.client: tuple[str, int] | None = None
        self.server: tuple[str, int] | None = None
        self.scope_template: dict[str, Any] = {}
        self.worker: Worker | None = None  # runs the apps (from connection_made on)
        self.starting: list[Exchange] = []  # opened by the read being handled: apps to start
        self.flush_queued = False  # in the loop iteration's batch of connections to write
        self.deadline: float | None = None  # ManagedConnection: timers are our own (idle)
        self.idle_timer: asyncio.TimerHandle | None = None  # runs while the connection is open
        self.idle_since = 0.0  # loop time the last stream ended (checked when the timer fires)
        self.write_paused = False  # the socket's buffer is full: streams wait as if blocked
        self.write_timer: asyncio.TimerHandle | None = None  # runs while write_paused
        self.unsent = 0  # the socket's unsent bytes when the write timer was armed
        self.going_away = False  # GOAWAY sent: no new streams; close once the last ends
        self.closed = False
        self.linger_timer: asyncio.TimerHandle | None = None  # closes a half-closed socket

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self.state.connections.add(self)
        self.client = peer_address(transport.get_extra_info("peername"))
        self.server = peer_address(transport.get_extra_info("sockname"))
        self.trust_forwarded = trusts_proxy_headers(
            self.state, transport.get_extra_info("peername")
        )
        if transport.get_extra_info("sslcontext") is not None:
            self.scheme = "https"
        self.transport.set_write_buffer_limits(high=self.state.write_high_water)
        self.scope_template = {
            "type": "http",
            "asgi": ASGI_VERSION,
            "http_version": "2",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "method": "GET",
            "root_path": self.state.root_path,
            "path": "/",
            "raw_path": b"/",
            "query_string": b"",
            "headers": [],
            "state": {},
            "extensions": TRAILER_EXTENSIONS,
        }
        self.worker = Worker(self.loop, self.state.start_task)
        self.flush()
        self.idle_since = self.loop.time()
        self.start_idle_timer(self.state.timeout_keep_alive)
        received, self.received = self.received, b""
        if received:
            self.data_received(received)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            events = self.h2.receive_data(data)
        except ConnectionError_ as exc:  # the codec has queued a GOAWAY with the error
            if exc.code == ENHANCE_YOUR_CALM:  # defences.py
                error_logger.warning("HTTP/2 client %s: %s: closing", self.client, exc)
            else:
                error_logger.debug("HTTP/2 protocol error: %s", exc)
            self.flush()
            self.close()
            return
        for event in events:
            if self.closed:
                break
            self.handle(event)
        if self.starting:
            self.start_apps()
        self.queue_flush()

    def handle(self, event: Event) -> None:
        if isinstance(event, DataReceived):
            self.on_data(event)
        elif isinstance(event, RequestReceived):
            self.on_request(event)
        elif isinstance(event, StreamEnded):
            self.on_stream_ended(event.stream_id)
        elif isinstance(event, WindowUpdated):
            self.on_window_update(event.stream_id)
        elif isinstance(event, StreamReset):
            if event.remote_reset:
                self.on_reset(event.stream_id)
            else:  # our codec reset it after the peer's stream error: not a rapid reset
                self.forget(event.stream_id)
        elif isinstance(event, RemoteSettingsChanged):
            self.on_window_update(0)  # the initial window may have grown
        elif isinstance(event, ConnectionTerminated):
            self.on_goaway()

    def on_stream_ended(self, stream_id: int) -> None:
        stream = self.streams.get(stream_id)
        exchange = stream.exchange if stream is not None else None
        if exchange is not None and exchange.body_state == RECEIVING:
            exchange.finish_body()
        elif isinstance(stream, WebSocketStream):
            stream.on_remote_end()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.linger_timer is not None:
            self.linger_timer.cancel()
        self.state.connections.discard(self)
        self.stop_idle_timer()
        self.stop_write_timer()
        self.drop_streams()
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def drop_streams(self) -> None:
        """Every open stream is over: their apps see a disconnect."""
        streams = list(self.streams.values())
        self.streams.clear()
        for stream_id in list(self.blocked):
            self.unblock(stream_id)
        for timer in self.body_timers.values():
            timer.cancel()
        self.body_timers.clear()
        for stream in streams:
            stream.on_closed()
            stream.exchange = None

    def eof_received(self) -> bool | None:
        return None  # the transport closes; connection_lost tells the streams

    def pause_writing(self) -> None:
        """The client reads slower than we write: read nothing from it meanwhile, or its
        PINGs and SETTINGS would pile their ACKs up in the buffer (defences.py)."""
        self.write_paused = True
        self.arm_write_timer()
        if not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        self.stop_write_timer()
        if not self.transport.is_closing():
            self.transport.resume_reading()
        self.on_window_update(0)

    def arm_write_timer(self) -> None:
        self.unsent = self.transport.get_write_buffer_size()
        self.write_timer = self.loop.call_later(self.state.timeout_write, self.on_write_timeout)

    def stop_write_timer(self) -> None:
        timer = self.write_timer
        if timer is not None:
            self.write_timer = None
            timer.cancel()

    def on_write_timeout(self) -> None:
        """The socket stayed full for ``--timeout-write`` s: go on if the client took at
        least a quarter of the high-water mark meanwhile, else drop it (a slow read)."""
        self.write_timer = None
        taken = self.unsent - self.transport.get_write_buffer_size()
        if taken >= max(1, self.state.write_high_water // 4):
            self.arm_write_timer()
            return
        error_logger.debug("dropping an HTTP/2 client that read %d bytes", max(0, taken))
        self.abort()

    # -- Streams in ----------------------------------------------------------------------------

    def on_request(self, event: RequestReceived) -> None:
        stream_id = event.stream_id
        if self.going_away or len(self.streams) >= self.max_streams:
            self.h2.reset_stream(stream_id, REFUSED_STREAM)
            return
        head = request_head(event.headers)
        if head is None:
            self.h2.reset_stream(stream_id, PROTOCOL_ERROR)
            return
        if head.method == "CONNECT":  # with :path: an extended CONNECT (RFC 8441)
            open_websocket(self, stream_id, head, event.headers)  # type: ignore[arg-type]
            return
        stream = H2Stream(self.state, self, stream_id)
        stream.transport = self.transport
        stream.scheme = self.scheme
        stream.client = self.client
        stream.server = self.server
        stream.scope_template = self.scope_template
        exchange = Exchange(
            stream, self.writer, head.method, head.raw_path, head.query, head.headers, "2"
        )
        exchange.content_type = head.content_type
        stream.exchange = exchange
        self.streams[stream_id] = stream
        if event.stream_ended is not None:
            exchange.finish_body()
        else:
            watch_body(stream, self.body_timers)
        if head.forwarded and self.trust_forwarded:
            apply_proxy_headers(self.state, exchange)
        refused = refusal(self.state, head.headers)
        if refused is not None:
            exchange.respond_error(*refused, close=False)
            return
        self.starting.append(exchange)

    def start_apps(self) -> None:
        """Run the apps of the streams the read opened, but not those it also reset."""
        starting = self.starting
        if not self.closed:
            for exchange in starting:
                if not exchange.disconnected:
                    self.run(exchange)
        starting.clear()

    def run(self, exchange: Exchange) -> None:
        state = self.state
        state.active_requests += 1
        stream = cast(H2Stream, exchange.conn)  # its app_done checks the trailers as well
        stream.app_exchange = exchange
        try:
            if state.native is not None:
                coro = state.native(exchange)
            else:
                coro = state.app(exchange.scope(), exchange.receive, exchange.send)
        except Exception as exc:
            stream.app_done(exc)
            return
        if self.worker is not None:
            self.worker.run(coro, stream)
        else:
            state.start_task(watch(coro, stream.app_done))

    def on_data(self, event: DataReceived) -> None:
        stream_id = event.stream_id
        size = event.flow_controlled_length
        stream = self.streams.get(stream_id)
        if stream is None or stream.phase == CLOSED:  # nobody will read it: open the window
            if size:
                self.h2.acknowledge_received_data(size, stream_id)
            return
        stream.on_data(event.data, size)

    # -- StreamOwner: what the streams ask (stream.py) ------------------------------------------

    def send_headers(self, stream: H2Stream, headers: list[tuple[bytes, bytes]], end: bool) -> None:
        self.h2.send_headers(stream.stream_id, headers, end)
        self.queue_flush()

    def send_outbox(self, stream: H2Stream) -> None:
        if stream.phase == CLOSED:
            return
        sent = 0 if self.write_paused else send_outbox(self.h2, stream)
        if sent == ALL_SENT:
            self.unblock(stream.stream_id)
            if stream.write_paused:
                stream.resume_writing()
        else:
            self.block(stream, progress=sent > 0)
        self.queue_flush()
        if stream.end_sent and stream.phase == ENDING:
            self.finish(stream)

    def acknowledge(self, stream: H2Stream, size: int) -> None:
        self.h2.acknowledge_received_data(size, stream.stream_id)  # closed: the connection's
        self.queue_flush()

    def reset(self, stream: H2Stream, error_code: int) -> None:
        if stream.phase != CLOSED and not self.closed:
            self.h2.reset_stream(stream.stream_id, error_code)
            self.queue_flush()
        self.forget(stream.stream_id)

    def response_ended(self, stream: H2Stream) -> None:
        if stream.end_sent:
            self.finish(stream)

    # -- Streams out ---------------------------------------------------------------------------

    def finish(self, stream: H2Stream) -> None:
        """The response has gone out in full: forget the stream; a request body still on its
        way is not wanted any more (RST_STREAM NO_ERROR, RFC 9113 8.1)."""
        exchange = stream.exchange
        if exchange is not None and exchange.body_state == RECEIVING and not self.closed:
            self.h2.reset_stream(stream.stream_id, NO_ERROR)
            self.queue_flush()
        self.forget(stream.stream_id)

    def block(self, stream: H2Stream, progress: bool) -> None:
        """The windows hold ``stream``'s outbox back: its app waits, and the stall timer
        runs (restarted whenever some of it went out)."""
        stream_id = stream.stream_id
        if stream_id not in self.blocked or progress:
            self.blocked[stream_id] = stream
            self.stop_stall_timer(stream_id)
            self.stall_timers[stream_id] = self.loop.call_later(
                self.state.timeout_write, self.on_stall, stream
            )
        stream.pause_writing()

    def unblock(self, stream_id: int) -> None:
        if self.blocked.pop(stream_id, None) is not None:
            self.stop_stall_timer(stream_id)

    def stop_stall_timer(self, stream_id: int) -> None:
        timer = self.stall_timers.pop(stream_id, None)
        if timer is not None:
            timer.cancel()

    def on_stall(self, stream: H2Stream) -> None:
        """Nothing of the stream's body went out for ``--timeout-write`` s (defences.py)."""
        self.stall_timers.pop(stream.stream_id, None)
        error_logger.debug("resetting HTTP/2 stream %d: its window stayed shut", stream.stream_id)
        self.reset(stream, CANCEL)

    def on_reset(self, stream_id: int) -> None:
        """The peer reset a stream: counted against the rapid-reset budget (defences.py)."""
        if stream_id in self.streams and not self.resets.spend(self.state.now):
            error_logger.warning(
                "HTTP/2 client %s reset more than %d streams in %d s: closing (rapid reset)",
                self.client,
                self.resets.limit,
                RESET_WINDOW,
            )
            self.go_away(ENHANCE_YOUR_CALM)
            self.close()
        self.forget(stream_id)

    def forget(self, stream_id: int) -> None:
        stream = self.streams.pop(stream_id, None)
        self.unblock(stream_id)
        body_timer = self.body_timers.pop(stream_id, None)
        if body_timer is not None:
            body_timer.cancel()
        if stream is not None:
            unread, stream.unacknowledged = stream.unacknowledged, 0
            if unread and not self.closed:  # else the connection's window would stay shrunk
                self.acknowledge(stream, unread)
            stream.on_closed()
            stream.exchange = None  # no cycle left: the exchange (an app may hold it) is freed
            # by reference counting, not by the cyclic collector
        if not self.streams and not self.closed:
            if self.going_away:
                self.close()
            else:
                self.idle_since = self.loop.time()

    def on_window_update(self, stream_id: int) -> None:
        if self.write_paused:
            return
        if stream_id:
            stream = self.blocked.get(stream_id)
            if stream is not None:
                self.send_outbox(stream)
            return
        for stream in list(self.blocked.values()):
            self.send_outbox(stream)

    def queue_flush(self) -> None:
        """Write what h2 has queued at the end of this loop iteration, in the batch of every
        connection's responses (state.flush_batch): one write for all the frames of a read,
        and for the responses of apps that answer in the same iteration."""
        if not self.flush_queued:
            self.flush_queued = True
            to_flush = self.state.to_flush
            if not to_flush:
                self.loop.call_soon(self.state.flush_batch)
            to_flush.append(self)

    def flush(self) -> None:
        """Write what h2 has queued now (the batch calls this, and so does what must go
        out before the connection's own frames)."""
        self.flush_queued = False
        data = self.h2.data_to_send()
        if data and not self.transport.is_closing():
            self.transport.write(data)

    # -- Closing -------------------------------------------------------------------------------

    def on_goaway(self) -> None:
        """The peer is going away: drop the open streams (their apps see a disconnect) and
        close, as h2 did (it sends nothing after a GOAWAY received)."""
        self.going_away = True
        self.drop_streams()
        self.close()

    def go_away(self, error_code: int = NO_ERROR) -> None:
        """Send GOAWAY naming the last stream served; close once the open ones end."""
        if self.going_away or self.closed:
            return
        self.going_away = True
        # Written past the codec: h2's close_connection() would refuse to send anything after
        # it, and the open streams are still to be answered.
        self.flush()
        self.transport.write(goaway_frame(self.h2.highest_inbound_stream_id, error_code, b""))
        if not self.streams:
            self.close()

    def close(self) -> None:
        """Close after the frames written, a GOAWAY last.  Closing a socket with unread input
        makes the kernel send a reset, which can destroy that GOAWAY on its way; so over TCP
        the write side is shut first and what the client still sends is read and dropped
        (data_received) until it closes or LINGER s pass, as HTTP/1.1 does (transport.py)."""
        self.stop_idle_timer()
        if self.closed:
            return
        self.flush()  # the frames batched for this iteration go first
        self.closed = True
        transport = self.transport
        if transport.is_closing() or not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        self.linger_timer = self.loop.call_later(LINGER, transport.close)
        transport.resume_reading()  # (paused while the socket was full: pause_writing)

    def start_idle_timer(self, delay: float) -> None:
        self.idle_timer = self.loop.call_later(delay, self.on_idle_timer)

    def on_idle_timer(self) -> None:
        """GOAWAY once no stream has been open for ``--timeout-keep-alive`` s.  One timer for
        the connection, looking at ``idle_since`` when it fires: not a timer per stream."""
        self.idle_timer = None
        if self.closed or self.going_away:
            return
        timeout = self.state.timeout_keep_alive
        if self.streams:
            self.start_idle_timer(timeout)
            return
        left = self.idle_since + timeout - self.loop.time()
        if left > 0:
            self.start_idle_timer(left)
        else:
            self.go_away()

    def stop_idle_timer(self) -> None:
        timer = self.idle_timer
        if timer is not None:
            self.idle_timer = None
            timer.cancel()

    # -- ManagedConnection ---------------------------------------------------------------------

    def on_deadline(self) -> None:
        """Not filed with the server's deadlines: the idle timer is the connection's own."""

    def shutdown(self) -> None:
        self.go_away()

    def abort(self) -> None:
        self.closed = True
        self.transport.abort()


def peer_address(value: Any) -> tuple[str, int] | None:
    if isinstance(value, tuple) and len(value) >= 2:
        return (str(value[0]), int(value[1]))
    return None
