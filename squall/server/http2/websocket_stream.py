"""WebSocket over HTTP/2 (RFC 8441): a stream opened by an extended CONNECT carries a WebSocket.

The server announces SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 unless ``--ws none``
(:func:`enabled`).  A HEADERS block with ``:method CONNECT`` and ``:protocol websocket`` (plus
``:scheme``, ``:path``, ``:authority``: validation.py, or h2's own checks) is the opening
handshake; ``sec-websocket-version: 13`` is required and there is no key to answer (section 5).
The app then gets the same :class:`WebSocketConnection` as after an HTTP/1.1 upgrade (the
same codec, timers, ASGI and native faces), with the stream's :class:`StreamTransport` as its
transport:

- the WebSocket's bytes go out in the stream's DATA frames, within the peer's windows: a
  blocked stream pauses the WebSocket's writing, so the app's ``send`` waits (connection.py's
  stall timer resets a stream whose window stays shut);
- DATA in is handed to the WebSocket and acknowledged (WINDOW_UPDATE) unless the WebSocket has
  paused reading (``--ws-max-queue`` messages waiting for the app): then only once it resumes;
- closing the transport (the close handshake done) sends END_STREAM; an abort, RST_STREAM
  CANCEL; a RST_STREAM from the peer, or the connection's end, is the WebSocket's
  ``connection_lost`` (the app sees 1006);
- the peer's END_STREAM is its TCP FIN (section 5): without a close frame before it, the
  app sees 1006 at once, as over HTTP/1.1, and the server ends its side (``on_remote_end``);
- the handshake's answers are HEADERS frames (:class:`Http2Answer`): ``:status 200`` with
  the subprotocol and extensions chosen, or the refusal / the app's own response.

Compiled with mypyc (hot_path.py): :class:`WebSocketStream` extends the compiled H2Stream, and
the compiled connection holds it among its streams.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, cast

from squall.server.exchange import Exchange
from squall.server.http2.admission import apply_proxy_headers, refusal
from squall.server.http2.errors import CANCEL, PROTOCOL_ERROR
from squall.server.http2.stream import CLOSED, DROP, ENDING, OPEN, SPECIAL_FIELDS, H2Stream
from squall.server.websocket.answer import FRAMED_HERE
from squall.server.websocket.codec import CodecFactory, resolve
from squall.server.websocket.connection import WebSocketConnection
from squall.server.websocket.handshake import Refusal, check_extended_connect
from squall.server.websocket.phase import Phase

if TYPE_CHECKING:
    import asyncio

    from squall.server.config import Config
    from squall.server.http2.connection import H2Protocol
    from squall.server.http2.request import RequestHead

WEBSOCKET: Final = b"websocket"
COLON: Final = 58
# The --ws codec per (choice, no-context-takeover), resolved once (as main.py does for HTTP/1.1).
_factories: dict[tuple[str, bool], CodecFactory | None] = {}


def enabled(config: Config) -> bool:
    """Whether the server announces extended CONNECT: WebSocket is on (not ``--ws none``)."""
    return config.ws != "none"


def codec_factory(config: Config) -> CodecFactory | None:
    key = (str(config.ws), bool(config.ws_deflate_no_context_takeover))
    if key not in _factories:
        _factories[key] = resolve(config.ws, config.ws_deflate_no_context_takeover)
    return _factories[key]


def open_websocket(
    owner: H2Protocol, stream_id: int, head: RequestHead, block: list[tuple[bytes, bytes]]
) -> None:
    """The CONNECT ``block`` opened ``stream_id``: run a WebSocket on it, or answer why not."""
    state = owner.state
    factory = codec_factory(state.config)
    protocol = pseudo_header(block, b":protocol")
    if protocol is None or factory is None:
        # A plain CONNECT (no proxying here), or :protocol not announced (h2 lets it by).
        owner.h2.reset_stream(stream_id, PROTOCOL_ERROR)
        return
    stream = WebSocketStream(owner, stream_id)
    owner.streams[stream_id] = stream
    if protocol != WEBSOCKET:
        respond_error(stream, 501, f"Unsupported :protocol {protocol.decode('latin-1')!r}")
        return
    handshake = check_extended_connect(head.headers)
    if isinstance(handshake, Refusal):
        respond_error(stream, handshake.status, handshake.reason)
        return
    refused = refusal(state, head.headers)  # --limit-concurrency, as for a request
    if refused is not None:
        respond_error(stream, refused[0], refused[1])
        return
    exchange = Exchange(stream, owner.writer, "GET", head.raw_path, head.query, head.headers, "2")
    if owner.trust_forwarded:
        apply_proxy_headers(state, exchange)
    transport = cast("asyncio.Transport", stream.transport_view)
    websocket = WebSocketConnection(state, transport, exchange, handshake, factory, HTTP2)
    stream.websocket = websocket
    websocket.begin(b"")


def pseudo_header(block: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for field, value in block:
        if not field or field[0] != COLON:
            return None  # the pseudo-headers come first
        if field == name:
            return value
    return None


class WebSocketStream(H2Stream):
    """An HTTP/2 stream carrying a WebSocket: no HTTP exchange on it (``exchange`` stays
    None), its DATA the WebSocket's bytes both ways."""

    def __init__(self, owner: H2Protocol, stream_id: int) -> None:
        super().__init__(owner.state, owner, stream_id)
        self.connection = owner
        self.transport = owner.transport
        self.scheme = owner.scheme
        self.client = owner.client
        self.server = owner.server
        self.scope_template = owner.scope_template
        self.websocket: WebSocketConnection | None = None
        self.transport_view = StreamTransport(self)

    # -- The stream, to the HTTP/2 connection --------------------------------------------------

    def on_data(self, data: bytes, flow_controlled: int) -> None:
        websocket = self.websocket
        if websocket is not None and data:
            websocket.data_received(data)
        if self.read_paused:
            self.unacknowledged += flow_controlled
        elif flow_controlled and self.phase != CLOSED:
            self.owner.acknowledge(self, flow_controlled)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.websocket is not None:
            self.websocket.pause_writing()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.websocket is not None:
            self.websocket.resume_writing()

    def on_remote_end(self) -> None:
        """The peer sent END_STREAM, the FIN of RFC 8441's TCP analogy: as over HTTP/1.1, the
        WebSocket's connection is lost now (the app sees 1006, or the close it had) and the
        server ends its side: END_STREAM once the outbox is out, or RST_STREAM CANCEL before
        the handshake's answer (no HEADERS went out to end).  An HTTP response the app is
        sending instead (a denial) goes on: the stream ends with it."""
        websocket = self.websocket
        if websocket is None or websocket.phase is Phase.RESPONSE:
            return
        if websocket.phase is Phase.HANDSHAKE:
            self.cancel()  # on_closed: its connection_lost
            return
        self.websocket = None
        websocket.eof_received()
        websocket.connection_lost(None)
        self.end()

    def on_closed(self) -> None:
        """Reset, ended, or the connection is gone: the WebSocket's connection is lost."""
        super().on_closed()
        websocket, self.websocket = self.websocket, None
        if websocket is not None:
            websocket.connection_lost(None)

    # -- What the WebSocket's transport does ----------------------------------------------------

    def send(self, data: bytes) -> None:
        if self.phase != OPEN or not data:
            return
        connection = self.connection
        codec = connection.h2
        size = len(data)
        if (
            not self.outbox
            and not connection.write_paused
            and size <= codec.max_outbound_frame_size
            and size <= codec.local_flow_control_window(self.stream_id)
        ):  # the usual message: one DATA frame now, not flow.py's loop
            codec.send_data(self.stream_id, data)
            connection.queue_flush()
            return
        self.outbox.append(data)
        self.owner.send_outbox(self)

    def end(self) -> None:
        """END_STREAM once the outbox is out (then the connection forgets the stream)."""
        if self.phase == OPEN:
            self.phase = ENDING
            self.end_queued = True
            self.owner.send_outbox(self)

    def cancel(self) -> None:
        if self.phase != CLOSED:
            self.owner.reset(self, CANCEL)

    def send_head(self, status: int, fields: list[tuple[bytes, bytes]]) -> None:
        """HEADERS with ``:status``, the fields and the server's default headers."""
        if self.phase != OPEN:
            return
        head = [(b":status", b"%d" % status)]
        head.extend(fields)
        head.extend(self.connection.writer.default_headers())
        self.owner.send_headers(self, head, False)


class StreamTransport:
    """The transport a WebSocketConnection writes to, on a :class:`WebSocketStream`."""

    def __init__(self, stream: WebSocketStream) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.send(data)

    def is_closing(self) -> bool:
        return self.stream.phase != OPEN

    def close(self) -> None:
        self.stream.end()

    def abort(self) -> None:
        self.stream.cancel()

    def pause_reading(self) -> None:
        self.stream.read_paused = True

    def resume_reading(self) -> None:
        self.stream.resume_reading()  # H2Stream's: acknowledges what waited


def response_fields(headers: Iterable[Any]) -> list[tuple[bytes, bytes]]:
    """An app's header pairs as HTTP/2 sends them: lowercase names, no pseudo-headers,
    connection-specific fields or framing (the stream's end ends the body)."""
    fields = []
    for name, value in headers:
        lower: bytes = name.lower()
        if not lower or lower[0] == COLON or SPECIAL_FIELDS.get(lower, -1) == DROP:
            continue
        if lower in FRAMED_HERE:
            continue
        fields.append((lower, value.strip(b" \t")))
    return fields


def respond_error(stream: WebSocketStream, status: int, reason: str) -> None:
    """A plain-text error response, the stream ended after it."""
    fields = [(b"content-type", b"text/plain; charset=utf-8")]
    if status == 426:
        fields.append((b"sec-websocket-version", b"13"))
    stream.send_head(status, fields)
    stream.send(reason.encode("utf-8") + b"\n")
    stream.end()


def stream_of(conn: WebSocketConnection) -> WebSocketStream:
    return cast(StreamTransport, conn.transport).stream


class Http2Answer:
    """The handshake's answers as HEADERS frames on the stream (RFC 8441, section 5)."""

    def accepted(
        self,
        conn: WebSocketConnection,
        subprotocol: str | None,
        extensions: str | None,
        extra: list[tuple[bytes, bytes]],
    ) -> None:
        fields = []
        if subprotocol is not None:
            fields.append((b"sec-websocket-protocol", subprotocol.encode("latin-1")))
        if extensions:
            fields.append((b"sec-websocket-extensions", extensions.encode("latin-1")))
        fields.extend(response_fields(extra))
        stream_of(conn).send_head(200, fields)

    def refused(self, conn: WebSocketConnection, status: int, reason: str) -> None:
        respond_error(stream_of(conn), status, reason)

    def response_head(
        self, conn: WebSocketConnection, status: int, headers: Iterable[tuple[bytes, bytes]]
    ) -> None:
        stream_of(conn).send_head(status, response_fields(headers))


HTTP2 = Http2Answer()
