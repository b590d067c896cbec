"""Listening sockets for workers: one bound by the supervisor and shared, or one per worker.

Shared (the default): every worker accepts from the same socket, so a worker that stops
leaves nothing behind in the accept queue.  ``--reuse-port``: each worker gets a socket of
its own bound with SO_REUSEPORT and the kernel spreads connections by a hash of their
addresses; the connections queued on a retiring worker's socket are reset when it closes.
"""

from __future__ import annotations

import socket

from squall.server.config import Config, ConfigError


class WorkerSockets:
    """Hands each new worker the sockets it serves on."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.shared: list[socket.socket] = [] if config.reuse_port else [config.bind_socket()]
        if config.reuse_port:
            reuse_port_socket(config).close()  # fail now, in the supervisor, if the port is taken

    def for_new_worker(self) -> list[socket.socket]:
        """The sockets to pass to a worker being started."""
        return self.shared or [reuse_port_socket(self.config)]

    def after_start(self, given: list[socket.socket]) -> None:
        """The worker has its copies: drop ours if they were its own."""
        if not self.shared:
            for sock in given:
                sock.close()  # left open here, it would take connections no one accepts

    def close(self) -> None:
        for sock in self.shared:
            sock.close()
        self.shared = []


def reuse_port_socket(config: Config) -> socket.socket:
    """A listening socket on ``host:port`` with SO_REUSEPORT set."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot bind {config.host}:{config.port}: {exc.strerror}") from exc
    sock.listen(config.backlog)
    sock.setblocking(False)
    return sock
