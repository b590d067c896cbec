"""Balanced accepting: workers share one listening socket and take turns by their loads.

Each worker accepts connections itself (``loop.add_reader`` on the shared socket, then
``sock.accept()`` until EAGAIN, each connection handed to the server's protocol with
``loop.connect_accepted_socket``), but only while it holds no more open connections than
the least loaded other worker (the load board, ``load_board.py``).  A worker over that
line leaves the connection to the others: it stops watching the socket and looks again
``RECHECK`` seconds later; no spinning.  While a crowd waits in the listen queue (its length
read with ``TCP_INFO`` as ``crowd_accept.py`` does, once per readiness event), the line moves
up by the worker's share of the crowd (``allowance``: the waiting connections over the
accepting workers, ``BATCH`` at most), and the worker takes that share in one event: taking
one per event left thousands of connections opened at once waiting seconds behind the
workers' busy loop iterations (``bench/accept_burst.py``).  It never starves a client:
workers whose loop has not written their slot for ``FRESH_MS`` (busy with a long
computation, stuck, stopped) are not waited for, and a connection the others leave waiting
``STARVE_AFTER`` seconds all the same is taken anyway.  Accepting itself, and what happens
when descriptors run out, is the plain acceptor's (``squall/server/acceptor.py``).

Why: the kernel gives a shared socket's connections to whichever worker's loop wakes
first, and SO_REUSEPORT hashes them over the workers' sockets; neither counts, so a few
keep-alive connections often split 7/3 or worse.  Counting open connections splits
10 connections 5/5.  The cost is per connection (an accept in Python and a task), never
per request: the requests then run on the server's compiled hot path as before.
"""

from __future__ import annotations

import select
import socket
import ssl

from squall.server.acceptor import BATCH, Acceptor, ProtocolFactory
from squall.server.crowd_accept import queue_length
from squall.server.state import ServerState
from squall.server.supervisor.load_board import LoadBoard

RECHECK = 0.002  # seconds between looks at a socket whose connections are left to others
PUBLISH_EVERY = 0.01  # seconds between updates of our slot (connections also close)
FRESH_MS = 250  # a worker that has not updated its slot this long (ms) is not waited for
STARVE_AFTER = 1.0  # seconds a connection may wait for a less loaded worker before we take it
SLACK = 0  # accept while holding at most this many more connections than the least loaded

__all__ = ["BATCH", "BalancedAcceptor", "ProtocolFactory", "allowance"]


def allowance(waiting: int, workers: int) -> int:
    """How many connections more than the least loaded worker one may hold while taking:
    its share of a crowd ``waiting`` in the listen queue (``BATCH`` at most), else one (strict
    turns, ``SLACK`` aside)."""
    return max(SLACK + 1, min(BATCH, waiting // workers))


class BalancedAcceptor(Acceptor):
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
        super().__init__(state, sockets, factory, tls)
        self.board = board
        self.slot = slot
        self.deferred_since: float | None = None

    # -- Start and stop -------------------------------------------------------------------

    def start(self) -> None:
        self.publish()
        super().start()
        self._publish_periodically()

    def close(self) -> None:
        """Stop accepting: the others take every new connection from now on."""
        if self.accepting:
            self.board.clear(self.slot)
        super().close()

    # -- Load -----------------------------------------------------------------------------

    def publish(self) -> None:
        self.board.publish(self.slot, self.load())

    def _publish_periodically(self) -> None:
        if self.accepting:
            self.publish()
            self._later(PUBLISH_EVERY, self._publish_periodically)

    def _may_accept(self, waiting: int) -> bool:
        """Whether this worker takes a connection now, ``waiting`` in the queue at the event."""
        others = self.board.others(self.slot, FRESH_MS)
        if others.least is None:
            return True
        if self.load() < others.least + allowance(waiting, others.accepting + 1):
            return True
        since = self.deferred_since
        return since is not None and self.loop.time() - since >= STARVE_AFTER

    # -- Accepting ------------------------------------------------------------------------

    def _on_readable(self, sock: socket.socket) -> None:
        """Up to ``BATCH`` connections per call while this worker may take them (the loop
        calls again while more wait): one per call left a crowd opened at once waiting in
        the queue behind every busy loop iteration (``bench/accept_burst.py``)."""
        if not self.accepting:
            return
        waiting = queue_length(sock)  # one system call per event: sizes the share below
        for _ in range(BATCH):
            if not self._may_accept(waiting):
                self._defer(sock)
                return
            taken = self._accept_one(sock)
            self.deferred_since = None  # taken, or taken by another: the next one waits afresh
            if not taken or not self.accepting:
                return

    def _defer(self, sock: socket.socket) -> None:
        """Leave the waiting connections to the others; look again ``RECHECK`` s later."""
        if self.deferred_since is None:
            self.deferred_since = self.loop.time()
        self.loop.remove_reader(sock.fileno())
        self._later(RECHECK, lambda: self._recheck(sock))

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
        super()._connect(conn)
        self.publish()
