"""What every protocol's connection shares: flow control, deadlines and the lingering close.

A protocol (HTTP/1.1 today; WebSocket and HTTP/2 next) subclasses :class:`StreamConnection`
for the transport-level chores and implements the two calls its requests make back into it
(``fail`` and ``on_response_complete``).  The server keeps its live connections in a set typed
with :class:`ManagedConnection`, and their deadlines in one :class:`Deadlines` wheel.

Compiled with mypyc (setup.py): flow control and deadlines run on every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from squall.server.exchange import Exchange
    from squall.server.state import ServerState

LINGER: Final = 2.0  # seconds a closing connection keeps reading what the client still sends
SLOT: Final = 0.1  # width of a deadline wheel slot, in seconds (the server's tick)
NO_SLOT: Final = -1
NEVER: Final = float("inf")  # the start of no slot

RESET_ON_CLOSE: Final = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close sends a reset

error_logger = logging.getLogger("squall.error")


class ManagedConnection(Protocol):
    """What the server asks of each live connection, whatever its protocol."""

    deadline: float | None

    def on_deadline(self) -> None:
        """Its deadline (header read, keep-alive idle, lingering close) has passed."""
        ...

    def shutdown(self) -> None:
        """Graceful shutdown: close now if idle, else once the request in progress is done."""
        ...

    def abort(self) -> None:
        """Close at once, dropping whatever is unsent."""
        ...


class Deadlines:
    """The connections' deadlines, filed by slot of ``SLOT`` seconds (a timer wheel).

    Expiring looks only at the slots that have come due, not at every connection, so an idle
    100,000-connection server does no work per tick for the connections whose time is not up.
    A connection sits in at most one slot.  A deadline moved later (every response on a
    kept-alive connection moves it) stays where it is filed, at a cost of one comparison: when
    the slot comes due, a connection whose deadline is still ahead is filed again, once per
    timeout rather than once per request.  A deadline moved earlier is filed at once; a
    cleared one (``deadline = None``) is dropped when its slot comes due.
    """

    def __init__(self, now: float) -> None:
        self.slots: dict[int, set[StreamConnection]] = {}
        self.next_slot = int(now / SLOT)  # the first slot not yet expired
        self.examined = 0  # connections looked at by expire(): for tests and curiosity
        self.filings = 0  # connections filed in a slot: likewise

    def file(self, connection: StreamConnection, when: float) -> None:
        """File ``connection`` in the slot that comes due just after ``when``."""
        slot = max(int(when / SLOT) + 1, self.next_slot)
        self.forget(connection)
        self.filings += 1
        members = self.slots.get(slot)
        if members is None:
            members = self.slots[slot] = set()
        members.add(connection)
        connection.slot = slot
        # Never past ``when``: with float rounding the product can be, and every later
        # deadline in the slot would then be filed again (~370 instructions per request).
        connection.slot_start = min((slot - 1) * SLOT, when)

    def forget(self, connection: StreamConnection) -> None:
        old = connection.slot
        if old != NO_SLOT:
            connection.slot = NO_SLOT
            connection.slot_start = NEVER
            members = self.slots.get(old)
            if members is not None:
                members.discard(connection)

    def expire(self, now: float) -> None:
        """Tell each connection whose deadline has passed."""
        last = int(now / SLOT)
        slots = self.slots
        while self.next_slot <= last:
            members = slots.pop(self.next_slot, None)
            self.next_slot += 1
            if members is None:
                continue
            for connection in members:
                self.examined += 1
                connection.slot = NO_SLOT
                connection.slot_start = NEVER
                deadline = connection.deadline
                if deadline is None:
                    continue
                if now >= deadline:
                    connection.deadline = None
                    connection.on_deadline()
                else:  # moved later since it was filed
                    self.file(connection, deadline)

    def __len__(self) -> int:
        return sum(len(members) for members in self.slots.values())


class StreamConnection:
    """A connection over a stream transport: flow control both ways, deadlines, closing.

    Flow control: reading pauses while the app has ``read_buffer_high_water`` bytes of body
    waiting or too many requests are pipelined; writers wait in ``drain()`` while the
    transport's buffer is over its high-water mark.  ``read_pauses`` and ``write_pauses``
    count how often each side paused (tests read them).
    """

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.loop = state.loop
        self.root_path = state.root_path
        self.access_log = state.access_log
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.scheme = "http"
        self.client: tuple[str, int] | None = None
        # The peer is a trusted proxy: its requests' proxy headers are applied (see
        # proxy_headers.py); decided once, when the connection is made.
        self.trust_forwarded = False
        self.server: tuple[str, int] | None = None
        self.scope_template: dict[str, Any] = {}
        self.deadline: float | None = None
        self.slot = NO_SLOT  # where Deadlines filed it, and the time that slot starts at
        self.slot_start = NEVER
        self.read_paused = False
        self.write_paused = False
        self.read_pauses = 0
        self.write_pauses = 0
        self.broken = False  # no more requests are read from this connection
        self.lingering = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        # Runs while the write buffer stays over its high-water mark, or a closing
        # connection's last bytes wait for the client (see on_write_timeout).  A loop timer
        # of its own, not a deadline: it is armed only for clients that stop reading, and
        # the protocol's deadlines move on every request.
        self._write_timer: asyncio.TimerHandle | None = None
        self._write_mark = 0  # the write buffer's size when the timer was armed

    # -- What a protocol implements for its requests ----------------------------------------

    def fail(self, status: int, reason: str) -> None:
        """The request stream can't be trusted any more: answer ``status`` and close."""
        raise NotImplementedError

    def on_response_complete(self, exchange: Exchange) -> None:
        """``exchange``'s response has been sent in full."""
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)

    # -- Connection set and peer ----------------------------------------------------------

    def attach(self, transport: asyncio.BaseTransport) -> None:
        """Take ``transport`` and join the server's connection set."""
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        state = self.state
        state.connections.add(self)
        peername = transport.get_extra_info("peername")
        self.client = _address(peername)
        self.server = _address(transport.get_extra_info("sockname"))
        if transport.get_extra_info("sslcontext") is not None:
            self.scheme = "https"
        proxy_trust = state.proxy_trust
        if proxy_trust is not None:
            self.trust_forwarded = proxy_trust.trusts_peer(peername)
        self.transport.set_write_buffer_limits(high=state.write_high_water)

    def detach(self) -> None:
        """The transport is gone: leave the connection set, wake whoever waits to write."""
        self.state.connections.discard(self)
        self.state.deadlines.forget(self)
        self.deadline = None
        self.broken = True
        self._release_drain_waiters()
        self._stop_write_timer()

    # -- Deadlines --------------------------------------------------------------------------

    def set_deadline(self, seconds: float) -> None:
        """Call ``on_deadline`` once ``seconds`` have passed, unless the deadline changes."""
        when = self.state.now + seconds
        self.deadline = when
        if when < self.slot_start:  # else its slot (or an earlier one) comes due first
            self.state.deadlines.file(self, when)

    def on_deadline(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Graceful shutdown: close now if idle, else once the request in progress is done."""
        raise NotImplementedError

    # -- Flow control -----------------------------------------------------------------------

    def pause_reading(self) -> None:
        if not self.read_paused:
            self.read_paused = True
            self.read_pauses += 1
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        if self.read_paused and not self.broken:
            self.read_paused = False
            self.transport.resume_reading()

    def pause_writing(self) -> None:
        self.write_paused = True
        self.write_pauses += 1
        self._start_write_timer()

    def resume_writing(self) -> None:
        self.write_paused = False
        self._release_drain_waiters()
        self._stop_write_timer()

    async def drain(self) -> None:
        """Wait while the transport's write buffer is over its high-water mark."""
        if not self.write_paused or self.transport.is_closing():
            return
        waiter = self.loop.create_future()
        self._drain_waiters.append(waiter)
        await waiter

    def _release_drain_waiters(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # -- Closing ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Send whatever the protocol holds back (HTTP/1.1 batches finished responses)."""

    def close(self) -> None:
        """Close after what was written, reading (and dropping) what the client still sends.

        Closing a socket with unread input makes the kernel send a reset, which can destroy
        the response in flight to the client; so the write side is shut first and the read
        side lingers until the client closes or LINGER seconds pass (RFC 9112, 9.6).
        """
        self.broken = True
        transport = self.transport
        if transport.is_closing() or self.lingering:
            return
        self.flush()
        if not transport.can_write_eof():
            transport.close()
            return
        self.lingering = True
        transport.write_eof()
        self.set_deadline(LINGER)
        if self.read_paused:
            self.read_paused = False
            transport.resume_reading()

    def abort(self) -> None:
        self.broken = True
        self.transport.abort()

    # -- Clients that stop reading ----------------------------------------------------------

    def _start_write_timer(self) -> None:
        if self._write_timer is None:
            self._write_mark = self.transport.get_write_buffer_size()
            self._write_timer = self.loop.call_later(
                self.state.timeout_write, self.on_write_timeout
            )

    def _stop_write_timer(self) -> None:
        timer = self._write_timer
        if timer is not None:
            self._write_timer = None
            timer.cancel()

    def on_write_timeout(self) -> None:
        """``timeout_write`` seconds with a full buffer: go on if the client read enough.

        Enough is a quarter of the high-water mark (16 KiB by default: the low-water mark's
        distance from it), so a big response sent in one piece to a slow but steady reader
        goes on, and a client that takes a few bytes now and then (slow read) is dropped.
        Whoever waits in ``drain()`` is woken by ``connection_lost``; its next write raises
        ClientGone.
        """
        self._write_timer = None
        unsent = self.transport.get_write_buffer_size()
        if not unsent:
            if self.lingering:
                self.transport.close()
        elif self._write_mark - unsent >= max(1, self.state.write_high_water // 4):
            self._start_write_timer()
        else:
            error_logger.debug(
                "resetting a connection whose client read %d bytes in %s s",
                max(0, self._write_mark - unsent),
                self.state.timeout_write,
            )
            self.reset()

    def reset(self) -> None:
        """Close with a reset: what the kernel still holds for the client is dropped too.

        A plain close leaves the socket to the kernel until its send queue drains (a client
        that reads nothing keeps megabytes there for minutes), and the client, still
        reading its own buffer, would not even see the end (nginx: reset_timedout_connection).
        """
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
        self.abort()

    def on_linger_deadline(self) -> None:
        """The client has not closed within LINGER: close, once what is unsent has gone.

        ``transport.close()`` waits for the write buffer to drain, forever if the client
        reads nothing: with bytes still unsent the write timer decides.
        """
        if not self.transport.get_write_buffer_size():
            self.transport.close()
        else:
            self._start_write_timer()


def _address(value: Any) -> tuple[str, int] | None:
    if isinstance(value, tuple) and len(value) >= 2:
        return (str(value[0]), int(value[1]))
    return None
