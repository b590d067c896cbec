"""Accepting connections in Python: ``loop.add_reader`` on the listening sockets, then
``accept()`` and ``loop.connect_accepted_socket`` for each connection.

Used where accepting is Python code anyway (the asyncio loop, whose own ``create_server``
accepts in Python too) and as the base of the workers' balanced accepting
(``supervisor/balanced_accept.py``).  Out of descriptors (see ``descriptors.py``) it stops
watching the socket for ``RETRY`` seconds: the waiting connections stay in the kernel's
listen queue and are answered as soon as descriptors free up; one warning per interval.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable

from squall.server.descriptors import RETRY, ShortageReport, is_shortage
from squall.server.state import ServerState, error_logger
from squall.server.tls import handshake_timeout

ProtocolFactory = Callable[[], asyncio.Protocol]
QUEUED = "new connections wait in the listen queue until some close"
BATCH = 128  # connections accepted per readiness event at most (others' events wait meanwhile)


class Acceptor:
    """Accepts every connection ``sockets`` receive, on ``state``'s loop."""

    def __init__(
        self,
        state: ServerState,
        sockets: list[socket.socket],
        factory: ProtocolFactory,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.state = state
        self.tls = tls  # connections are wrapped after accept, as create_server would
        self.handshake_timeout = handshake_timeout(state.config) if tls is not None else None
        self.loop = state.loop
        self.sockets = sockets
        self.factory = factory
        self.connecting: set[asyncio.Task[object]] = set()  # accepted, not yet connection_made
        self.families = {sock.fileno(): int(sock.family) for sock in sockets}  # looked up once
        self.accepting = False
        self.accepted = 0  # connections taken so far
        self.timers: set[asyncio.TimerHandle] = set()
        self.report = ShortageReport(self.load, QUEUED)

    # -- Start and stop -------------------------------------------------------------------

    def start(self) -> None:
        self.accepting = True
        for sock in self.sockets:
            sock.setblocking(False)
            self.loop.add_reader(sock.fileno(), self._on_readable, sock)

    def stop(self) -> None:
        """Stop watching the listening sockets (``start`` watches them again)."""
        if not self.accepting:
            return
        self.accepting = False
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()
        for sock in self.sockets:
            self.loop.remove_reader(sock.fileno())

    def close(self) -> None:
        """Stop accepting and close the listening sockets."""
        if not self.accepting:
            return
        self.stop()
        for sock in self.sockets:
            sock.close()

    def load(self) -> int:
        """Open connections, counting those accepted whose protocol is not connected yet."""
        return len(self.state.connections) + len(self.connecting)

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        timer: asyncio.TimerHandle | None = None

        def fire() -> None:
            self.timers.discard(timer)  # type: ignore[arg-type]  # set before it can fire
            callback()

        timer = self.loop.call_later(delay, fire)
        self.timers.add(timer)

    # -- Accepting ------------------------------------------------------------------------

    def _on_readable(self, sock: socket.socket) -> None:
        """Up to ``BATCH`` connections per call (the loop calls again while more wait): one
        per call left a burst of new connections in the listen queue for seconds while
        hundreds of busy ones made every loop iteration long (README, the static p99)."""
        for _ in range(BATCH):
            if not self.accepting or not self._accept_one(sock):
                return

    def _accept_one(self, sock: socket.socket) -> bool:
        """Accept and connect one waiting connection; False if none was taken."""
        try:
            fd, _ = sock._accept()  # type: ignore[attr-defined]  # accept() minus enum lookups
        except (BlockingIOError, InterruptedError):  # none left (another worker took it)
            return False
        except OSError as exc:
            if is_shortage(exc):
                self._pause(sock, exc)
            return False  # else e.g. ECONNABORTED: that client gave up
        self.accepted += 1
        if self.report.short:
            self.report.recovered()
        family = self.families[sock.fileno()]
        self._connect(socket.socket(family, socket.SOCK_STREAM, 0, fd))
        return True

    def _connect(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        connecting = self.loop.connect_accepted_socket(
            self.factory, conn, ssl=self.tls, ssl_handshake_timeout=self.handshake_timeout
        )
        task = self.loop.create_task(connecting)
        self.connecting.add(task)  # type: ignore[arg-type]  # the pair's type is not needed
        task.add_done_callback(self._connected)

    def _connected(self, task: asyncio.Task[object]) -> None:
        self.connecting.discard(task)
        if not task.cancelled() and task.exception() is not None:  # reset before it started
            error_logger.debug("accepted connection lost: %r", task.exception())

    # -- Out of descriptors ---------------------------------------------------------------

    def _pause(self, sock: socket.socket, exc: OSError) -> None:
        """Stop watching the socket for ``RETRY`` seconds (no spinning); warn per interval."""
        self.report.shortage(exc)
        self.loop.remove_reader(sock.fileno())  # False when not watched: harmless
        self._later(RETRY, lambda: self._resume(sock))

    def _resume(self, sock: socket.socket) -> None:
        if self.accepting:
            self.loop.add_reader(sock.fileno(), self._on_readable, sock)
