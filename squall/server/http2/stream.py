"""One HTTP/2 stream as the connection its :class:`Exchange` talks to, and its response writer.

An :class:`~squall.server.exchange.Exchange` asks its connection for flow control
(``read_paused``/``resume_reading``, ``write_paused``/``drain``) and tells it when the response
is complete.  Over HTTP/2 each stream has its own windows, so each exchange gets an
:class:`H2Stream` of its own as that connection: the request object stays the same on both
protocols (the native path included) and knows nothing of frames.

Request body: every DATA frame is acknowledged (WINDOW_UPDATE) only once the app has taken it
(``resume_reading``), so a stream buffers at most its receive window.  Response body: the
parts wait in the stream's outbox while the peer's windows are closed; ``write_paused`` is then
True and the app's ``send``/``write`` waits in ``drain()`` until a WINDOW_UPDATE lets the
outbox go.

Stream phases (``phase``), from the server's side:

    OPEN    --the app sends the last part of the body (the response is complete)---> ENDING
    OPEN    --a RST_STREAM from the peer, the connection lost, or a reset by us------> CLOSED
    ENDING  --the outbox empties and END_STREAM goes out----------------------------> CLOSED
    ENDING  --a RST_STREAM from the peer, the connection lost, or a reset by us------> CLOSED

Compiled with mypyc (hot_path.py): StreamConnection and ResponseWriter are compiled classes,
which only compiled classes may extend.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

from squall.server.exchange import DONE, PENDING, RECEIVING, Exchange, ResponseWriter
from squall.server.http2.trailers import add_trailers, end_unfinished, expect
from squall.server.transport import StreamConnection

if TYPE_CHECKING:
    from squall.server.state import ServerState

OPEN: Final = 0
ENDING: Final = 1
CLOSED: Final = 2

# What becomes of an app's response field over HTTP/2.  Here, not in h2 (whose outbound
# normalizing and checking are off, settings.py): one dict lookup per field, in the walk the
# head gets anyway, instead of h2's nine generator passes.
DROP: Final = 0  # connection-specific (RFC 9113, 8.2.2: the framing says what they said), and
# "te", meaningless in a response
LENGTH: Final = 1  # content-length: the body's length is known
SECRET: Final = 2  # credentials: never indexed by HPACK (kept out of its table), as h2 did
SPECIAL_FIELDS: Final = {
    b"connection": DROP,
    b"keep-alive": DROP,
    b"proxy-connection": DROP,
    b"transfer-encoding": DROP,
    b"upgrade": DROP,
    b"te": DROP,
    b"content-length": LENGTH,
    b"authorization": SECRET,
    b"proxy-authorization": SECRET,
}
COLON: Final = 58
SPACE: Final = 32
TAB: Final = 9
STATUS_VALUES: Final = {status: b"%d" % status for status in range(100, 600)}
CONTINUE_100: Final = [(b":status", b"100")]


class StreamOwner(Protocol):
    """What a stream asks of its HTTP/2 connection (connection.py)."""

    def send_headers(self, stream: H2Stream, headers: list[tuple[bytes, bytes]], end: bool) -> None:
        """Send a HEADERS frame on ``stream`` now."""
        ...

    def send_outbox(self, stream: H2Stream) -> None:
        """Send as much of ``stream``'s outbox as the windows allow."""
        ...

    def acknowledge(self, stream: H2Stream, size: int) -> None:
        """The app took ``size`` bytes of the request body: open the windows that much."""
        ...

    def reset(self, stream: H2Stream, error_code: int) -> None:
        """Send RST_STREAM and forget the stream."""
        ...

    def response_ended(self, stream: H2Stream) -> None:
        """The app has sent the whole response (maybe not all of it on the wire yet)."""
        ...


class H2Stream(StreamConnection):
    """An exchange's connection over HTTP/2: one stream's windows, outbox and phase."""

    # Response trailers (trailers.py), rare: defaults on the class, not set per stream.
    trailers_expected: bool = False  # the response started with ``trailers: true``
    trailers: list[tuple[bytes, bytes]] | None = None  # what goes out with END_STREAM

    def __init__(self, state: ServerState, owner: StreamOwner, stream_id: int) -> None:
        super().__init__(state)
        self.owner = owner
        self.stream_id = stream_id
        self.phase = OPEN
        self.exchange: Exchange | None = None
        self.app_exchange: Exchange | None = None  # until its app ends (the stream may close first)
        self.head: list[tuple[bytes, bytes]] | None = None  # the response head, until sent
        self.head_only = False  # HEAD, 1xx, 204, 304: the body is dropped
        self.outbox: list[bytes] = []  # body parts the windows hold back
        self.end_queued = False  # END_STREAM goes out once the outbox has
        self.end_sent = False
        self.unacknowledged = 0  # request body bytes received, not yet taken by the app

    # -- The request body --------------------------------------------------------------------

    def on_data(self, data: bytes, flow_controlled: int) -> None:
        exchange = self.exchange
        self.unacknowledged += flow_controlled
        self.read_paused = True  # so that the app's taking the body acknowledges it
        if exchange is not None:
            exchange.feed_body(data)

    def pause_reading(self) -> None:
        """The stream's receive window bounds what waits: nothing else to pause."""

    def resume_reading(self) -> None:
        if self.read_paused:
            self.read_paused = False
            size = self.unacknowledged
            self.unacknowledged = 0
            if size and self.phase != CLOSED:
                self.owner.acknowledge(self, size)

    # -- The response body -------------------------------------------------------------------

    def queue(self, data: bytes, end: bool) -> None:
        if data:
            self.outbox.append(data)
        if end:
            self.end_queued = True
        self.owner.send_outbox(self)

    def pause_writing(self) -> None:
        """The peer's windows are closed: the app waits in ``drain()``."""
        if not self.write_paused:
            self.write_paused = True
            self.write_pauses += 1

    def resume_writing(self) -> None:
        self.write_paused = False
        self._release_drain_waiters()

    # -- What an exchange calls back ---------------------------------------------------------

    def fail(self, status: int, reason: str) -> None:
        """The request can't go on (a body over the limit): answer if still possible, then
        end the stream (RST_STREAM) so the peer sends no more of it."""
        exchange = self.exchange
        if exchange is None or self.phase == CLOSED:
            return
        if exchange.response == PENDING:
            exchange.respond_error(status, reason)
        exchange.on_disconnect()  # the app must not read a body we stopped
        if self.phase != CLOSED:
            self.owner.reset(self, 0)  # NO_ERROR: RFC 9113, 8.1

    def app_done(self, exc: BaseException | None) -> None:
        """The stream's app has ended (connection.py's run hands the stream, not its
        exchange, to whoever drives the app): the exchange's ending, then the trailers check
        (the apps of a connection share its worker task, so no task's end says this)."""
        exchange = self.app_exchange
        self.app_exchange = None
        if exchange is not None:
            exchange.app_done(exc)
        if self.trailers_expected:
            end_unfinished(self)

    def on_response_complete(self, exchange: Exchange) -> None:
        self.state.total_requests += 1
        if self.phase == OPEN:
            self.phase = ENDING
        self.owner.response_ended(self)

    def close(self) -> None:
        """The app failed after the head went out: reset the stream (INTERNAL_ERROR)."""
        if self.phase != CLOSED:
            self.owner.reset(self, 2)

    def abort(self) -> None:
        self.close()

    def on_closed(self) -> None:
        """The stream is over (reset, connection lost, or ended): wake whoever waits."""
        self.phase = CLOSED
        self.broken = True
        self.outbox = []
        exchange = self.exchange
        if exchange is not None and (exchange.response != DONE or exchange.body_state == RECEIVING):
            exchange.on_disconnect()
        self._release_drain_waiters()


def never_indexed(name: bytes, value: bytes) -> Any:
    """A field HPACK must never index: marked for the h2 library (hpack's tuple class);
    our codec knows these names itself (hpack.py's SENSITIVE), so without h2 a plain pair."""
    try:  # imported here: the hot path imports without the squall[http2] extra (hpack)
        from hpack import NeverIndexedHeaderTuple
    except ImportError:
        return (name, value)
    return NeverIndexedHeaderTuple(name, value)


class H2Writer(ResponseWriter):
    """Puts a connection's responses into HEADERS and DATA frames, per stream."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self._block = b""  # state.default_headers, as last turned into header pairs
        self._defaults: list[tuple[bytes, bytes]] = []

    def start(self, exchange: Exchange, status: int, headers: Iterable[Any]) -> bool:
        """Hold the head as h2 sends it: lowercase names, no connection-specific fields, no
        pseudo-header but ``:status`` (only the server sets those; RFC 9113, 8.3), no
        whitespace around values (8.2.1), credentials never indexed."""
        stream = cast(H2Stream, exchange.conn)
        head: list[Any] = [  # Any: a NeverIndexedHeaderTuple must stay one (mypyc would unbox it)
            (b":status", STATUS_VALUES.get(status) or b"%d" % status)
        ]
        length = False
        for name, value in headers:
            lower: bytes = name.lower()
            special = SPECIAL_FIELDS.get(lower, -1)
            if special == DROP or not lower or lower[0] == COLON:
                continue
            if value and (
                value[0] == SPACE or value[0] == TAB or value[-1] == SPACE or value[-1] == TAB
            ):
                value = value.strip(b" \t")
            if special == LENGTH:
                length = True
            elif special == SECRET:
                head.append(never_indexed(lower, value))
                continue
            head.append((lower, value))
        head.extend(self.default_headers())
        stream.head = head
        stream.head_only = (
            exchange.method == "HEAD" or status < 200 or status == 204 or status == 304
        )
        return not length

    def default_headers(self) -> list[tuple[bytes, bytes]]:
        """The Date/Server/extra headers, split once per clock tick (state.py)."""
        block = self.state.default_headers
        if block is not self._block:
            self._block = block
            self._defaults = [
                (name, value)
                for name, _, value in (
                    line.partition(b": ") for line in block.split(b"\r\n") if line
                )
            ]
        return self._defaults

    def send(self, exchange: Exchange, body: bytes, more: bool) -> None:
        stream = cast(H2Stream, exchange.conn)
        if stream.phase == CLOSED:
            return
        head = stream.head
        if stream.head_only:
            if head is not None:
                stream.head = None
                stream.owner.send_headers(stream, head, not more)
                stream.end_sent = not more
            elif not more:
                stream.queue(b"", True)
            return
        final = not more and not stream.trailers_expected  # else the trailers end it
        if head is not None:
            stream.head = None
            stream.owner.send_headers(stream, head, final and not body)
            if final and not body:
                stream.end_sent = True
                return
        stream.queue(body, final)

    def send_head(self, exchange: Exchange) -> None:
        stream = cast(H2Stream, exchange.conn)
        head = stream.head
        if head is not None and stream.phase != CLOSED:
            stream.head = None
            stream.owner.send_headers(stream, head, False)

    def discard_head(self) -> None:
        """An error response replaces the held head: start() will hold the new one."""

    def expect_trailers(self, exchange: Exchange) -> None:
        expect(cast(H2Stream, exchange.conn))

    def send_trailers(self, exchange: Exchange, headers: Iterable[Any], more: bool) -> None:
        stream = cast(H2Stream, exchange.conn)
        if stream.trailers_expected and not stream.end_sent and stream.phase != CLOSED:
            add_trailers(stream, headers, more)

    def send_continue(self, exchange: Exchange) -> None:
        stream = cast(H2Stream, exchange.conn)
        if stream.phase != CLOSED:
            stream.owner.send_headers(stream, CONTINUE_100, False)
