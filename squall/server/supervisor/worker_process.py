"""Inside a worker process: a Server on the supervisor's sockets, beating over a pipe.

The worker is the single-process server (compiled hot path, uvloop) plus one task on its
loop that beats, asks for retirement once ``state.total_requests`` (a counter the server
keeps anyway) passes the worker's quota, and stops the worker if the supervisor is gone.
Nothing is added to the per-request path.

Stopping drains first: the listeners close, responses carry ``connection: close``, and idle
keep-alive connections get a moment to send a request already on its way before they are
closed, so a busy client sees no connection dropped under it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

from squall.server.config import Config
from squall.server.logs import setup_logging
from squall.server.main import TICK, Server
from squall.server.state import ServerState, error_logger
from squall.server.supervisor.balanced_accept import BalancedAcceptor, ProtocolFactory
from squall.server.supervisor.heartbeat import BEAT, READY, RETIRE, HeartbeatSender
from squall.server.supervisor.load_board import LoadBoard

BOOT_FAILED = 3  # exit code: the app could not be loaded or its lifespan startup failed
DRAIN_GRACE = 1.0  # seconds idle keep-alive connections may still bring a last request


@dataclass(frozen=True)
class WorkerOptions:
    beat_interval: float
    max_requests: int | None  # this worker's quota (jitter applied), None for no limit
    board: LoadBoard | None = None  # balanced accepting: the shared load board...
    slot: int = 0  # ...and this worker's slot on it


class WorkerServer(Server):
    """The server of one worker: reports to the supervisor through ``sender``."""

    def __init__(self, config: Config, sender: HeartbeatSender, options: WorkerOptions) -> None:
        super().__init__(config)
        self.sender = sender
        self.options = options
        self.ready = False
        self._watcher: asyncio.Task[None] | None = None  # held: the loop keeps tasks weakly

    async def _accept(self, state: ServerState, factory: ProtocolFactory) -> None:
        board = self.options.board
        if board is None:
            await super()._accept(state, factory)
            return
        self.acceptor = BalancedAcceptor(
            state, self.sockets, factory, board, self.options.slot, self.ssl_context
        )
        self.acceptor.start()

    async def serve(self, sockets: Sequence[socket.socket] | None = None) -> None:
        # Beats from the start, lifespan startup included; never cancelled here: it beats on
        # through the drain, and asyncio.Runner ends it.
        self._watcher = asyncio.get_running_loop().create_task(self._watch())
        await super().serve(sockets)

    async def _main_loop(self, state: ServerState) -> None:
        self.ready = True
        self.sender.send(READY)
        await super()._main_loop(state)
        await self.drain(DRAIN_GRACE)

    async def _watch(self) -> None:
        """Every tick: check the request quota and the supervisor; beat when one is due."""
        loop = asyncio.get_running_loop()
        quota = self.options.max_requests
        parent = os.getppid()  # the fork server, which exits with the supervisor
        next_beat = 0.0
        while True:
            now = loop.time()
            state = self.state
            if now >= next_beat:
                next_beat = now + self.options.beat_interval
                if not self.sender.send(BEAT) or os.getppid() != parent:
                    error_logger.warning("the supervisor is gone: worker [%d] stops", os.getpid())
                    self.should_exit = True
                    return
            if quota is not None and state is not None and state.total_requests >= quota:
                quota = None  # asked once; the supervisor stops this worker when it can
                error_logger.info(
                    "worker [%d] served %d requests: asking to retire",
                    os.getpid(),
                    state.total_requests,
                )
                self.sender.send(RETIRE)
            await asyncio.sleep(TICK)


def run_worker(
    config: Config, sockets: list[socket.socket], connection: Connection, options: WorkerOptions
) -> None:
    """The worker process's entry point (started by the supervisor with 'spawn')."""
    for sig in (signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(sig, signal.SIG_IGN)  # the supervisor's signals, not the worker's
    setup_logging(config)
    sender = HeartbeatSender(connection)
    server = WorkerServer(config, sender, options)
    try:
        server.run(sockets)
    except KeyboardInterrupt:
        pass
    finally:
        sender.close()
    served = server.state.total_requests if server.state is not None else 0
    logging.getLogger("squall.error").info(
        "worker [%d] stopped after %d requests", os.getpid(), served
    )
    sys.exit(0 if server.ready else BOOT_FAILED)
