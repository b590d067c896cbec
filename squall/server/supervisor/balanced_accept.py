"""Balanced accepting: workers share one listening socket and take turns by their loads.

Each worker accepts connections itself (``loop.add_reader`` on the shared socket, then
``sock.accept()`` until EAGAIN, each connection handed to the server's protocol with
``loop.connect_accepted_socket``), but only while it holds no more open connections than
the least loaded other worker (the load board, ``load_board.py``).  A worker over that
line leaves the connection to the others: it stops watching the socket and looks again
``RECHECK`` seconds later; no spinning.  It never starves a client: workers whose loop has
not written their slot for ``FRESH_MS`` (busy with a long computation, stuck, stopped) are
not waited for, and a connection the others leave waiting ``STARVE_AFTER`` seconds all the
same is taken anyway.

Why: the kernel gives a shared socket's connections to whichever worker's loop wakes
first, and SO_REUSEPORT hashes them over the workers' sockets; neither counts, so a few
keep-alive connections often split 7/3 or worse.  Counting open connections splits
10 connections 5/5.  The cost is per connection (an accept in Python and a task), never
per request: the requests then run on the server's compiled hot path as before.
"""

from __future__ import annotations

import asyncio
import errno
import select
import socket
import ssl
from collections.abc import Callable

from squall.server.state import ServerState, error_logger
from squall.server.supervisor.load_board import LoadBoard
from squall.server.tls import handshake_timeout

RECHECK = 0.002  # seconds between looks at a socket whose connections are left to others
PUBLISH_EVERY = 0.01  # seconds between updates of our slot (connections also close)
FRESH_MS = 250  # a worker that has not updated its slot this long (ms) is not waited for
STARVE_AFTER = 1.0  # seconds a connection may wait for a less loaded worker before we take it
SLACK = 0  # accept while holding at most this many more connections than the least loaded
RESOURCE_PAUSE = 1.0  # seconds to stop accepting when out of descriptors or memory
RESOURCE_ERRORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)

ProtocolFactory = Callable[[], asyncio.Protocol]


class BalancedAcceptor:
    """Accepts from ``sockets`` on ``state``'s loop while this worker is among the least loaded."""

    def __init__(
        self,
        state: ServerState,
        sockets: list[socket.socket],
        factory: ProtocolFactory,
        board: LoadBoard,
        slot: int,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.state = state
        self.tls = tls  # connections are wrapped after accept, as create_server would
        self.handshake_timeout = handshake_timeout(state.config) if tls is not None else None
        self.loop = state.loop
        self.sockets = sockets
        self.factory = factory
        self.board = board
        self.slot = slot
        self.connecting: set[asyncio.Task[object]] = set()  # accepted, not yet connection_made
        self.families = {sock.fileno(): int(sock.family) for sock in sockets}  # looked up once
        self.deferred_since: float | None = None
        self.accepting = False
        self.timers: set[asyncio.TimerHandle] = set()

    # -- Start and stop -------------------------------------------------------------------

    def start(self) -> None:
        self.accepting = True
        self.publish()
        for sock in self.sockets:
            sock.setblocking(False)
            self.loop.add_reader(sock.fileno(), self._on_readable, sock)
        self._publish_periodically()

    def close(self) -> None:
        """Stop accepting: the others take every new connection from now on."""
        if not self.accepting:
            return
        self.accepting = False
        self.board.clear(self.slot)
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()
        for sock in self.sockets:
            self.loop.remove_reader(sock.fileno())
            sock.close()

    # -- Load -----------------------------------------------------------------------------

    def load(self) -> int:
        """Open connections, counting those accepted whose protocol is not connected yet."""
        return len(self.state.connections) + len(self.connecting)

    def publish(self) -> None:
        self.board.publish(self.slot, self.load())

    def _publish_periodically(self) -> None:
        if self.accepting:
            self.publish()
            self._later(PUBLISH_EVERY, self._publish_periodically)

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            self.timers.discard(timer)  # type: ignore[arg-type]  # set before it can fire
            callback()

        timer = self.loop.call_later(delay, fire)
        self.timers.add(timer)

    def _may_accept(self) -> bool:
        least = self.board.least_of_others(self.slot, FRESH_MS)
        if least is None or self.load() <= least + SLACK:
            return True
        since = self.deferred_since
        return since is not None and self.loop.time() - since >= STARVE_AFTER

    # -- Accepting ------------------------------------------------------------------------

    def _on_readable(self, sock: socket.socket) -> None:
        """One connection per call: the loop calls again while more wait (level-triggered)."""
        if not self.accepting:
            return
        if not self._may_accept():
            if self.deferred_since is None:
                self.deferred_since = self.loop.time()
            self.loop.remove_reader(sock.fileno())
            self._later(RECHECK, lambda: self._recheck(sock))
            return
        try:
            fd, _ = sock._accept()  # type: ignore[attr-defined]  # accept() minus enum lookups
        except (BlockingIOError, InterruptedError):  # another worker took it
            self.deferred_since = None
            return
        except OSError as exc:
            if exc.errno in RESOURCE_ERRORS:
                self._pause(sock, exc)
            return  # else e.g. ECONNABORTED: that client gave up
        self.deferred_since = None  # the next connection left to others waits afresh
        family = self.families[sock.fileno()]
        self._connect(socket.socket(family, socket.SOCK_STREAM, 0, fd))

    def _recheck(self, sock: socket.socket) -> None:
        if not self.accepting:
            return
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:  # the others took what was waiting
            self.deferred_since = None
        self.loop.add_reader(sock.fileno(), self._on_readable, sock)
        if readable:
            self._on_readable(sock)

    def _connect(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        connecting = self.loop.connect_accepted_socket(
            self.factory, conn, ssl=self.tls, ssl_handshake_timeout=self.handshake_timeout
        )
        task = self.loop.create_task(connecting)
        self.connecting.add(task)  # type: ignore[arg-type]  # the pair's type is not needed
        task.add_done_callback(self._connected)
        self.publish()

    def _connected(self, task: asyncio.Task[object]) -> None:
        self.connecting.discard(task)
        if not task.cancelled() and task.exception() is not None:  # reset before it started
            error_logger.debug("accepted connection lost: %r", task.exception())

    def _pause(self, sock: socket.socket, exc: OSError) -> None:
        """Out of descriptors or memory: stop watching the socket for a while (no spinning)."""
        error_logger.error("cannot accept connections (%s): pausing %.0f s", exc, RESOURCE_PAUSE)
        self.loop.remove_reader(sock.fileno())  # False when not watched: harmless
        self._later(RESOURCE_PAUSE, lambda: self._resume(sock))

    def _resume(self, sock: socket.socket) -> None:
        if self.accepting:
            self.loop.add_reader(sock.fileno(), self._on_readable, sock)
