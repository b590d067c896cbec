"""Listening sockets for workers: one shared by all (balanced), or one per worker (SO_REUSEPORT).

Shared and balanced (the default): the supervisor binds one socket and the workers accept
from it in turns, by their open connections (``balanced_accept.py``).  ``--reuse-port``:
each worker gets a socket of its own and the kernel spreads connections over them by a hash
of their addresses.  ``--no-balance``: one shared socket, and whichever worker's loop wakes
first accepts (Linux wakes the most recent waiter first: keep-alive connections pile onto one
worker).  bench/workers_spread.py measures the three; the README has the numbers.
"""

from __future__ import annotations

import contextlib
import os
import socket

from squall.server.config import Config, bind_tcp


class WorkerSockets:
    """Hands each new worker the sockets it serves on."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.per_worker = config.reuse_port and config.uds is None and config.fd is None
        self.balanced = config.balance and not self.per_worker
        self.shared: list[socket.socket] = [] if self.per_worker else [config.bind_socket()]
        if self.per_worker:
            check_port_is_free(config)

    def for_new_worker(self) -> list[socket.socket]:
        """The sockets to pass to a worker being started."""
        return [reuse_port_socket(self.config)] if self.per_worker else self.shared

    def after_start(self, given: list[socket.socket]) -> None:
        """The worker has its copies: drop ours if they were its own."""
        if self.per_worker:
            for sock in given:
                sock.close()  # left open here, it would take connections no one accepts

    def close(self) -> None:
        for sock in self.shared:
            sock.close()
        self.shared = []
        if self.config.uds is not None:  # workers leave the path alone: it is ours
            with contextlib.suppress(OSError):
                os.unlink(self.config.uds)


def check_port_is_free(config: Config) -> None:
    """Bind ``host:port`` without SO_REUSEPORT once: fails if anyone listens there already.

    Else a second server started on the same port by mistake would silently share its
    traffic with the first, SO_REUSEPORT letting them both bind.
    """
    bind(config, reuse_port=False).close()


def reuse_port_socket(config: Config) -> socket.socket:
    """A listening socket on ``host:port`` with SO_REUSEPORT set."""
    sock = bind(config, reuse_port=True)
    sock.listen(config.backlog)
    sock.setblocking(False)
    return sock


def bind(config: Config, reuse_port: bool) -> socket.socket:
    return bind_tcp(config.host, config.port, reuse_port)
