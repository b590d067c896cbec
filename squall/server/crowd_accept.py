"""Accepting in bursts beside libuv while connections pile up in the listen queue.

libuv (uvloop's ``create_server``) accepts one connection per readiness event of a
listening socket, so one per loop iteration.  That is the cheapest way per connection, but
while hundreds of busy connections make each iteration long, a burst of new connections
waits in the listen queue for seconds (README: the static profile's p99), and the more
libuv has accepted the longer each iteration gets.  So the server's housekeeping tick looks
at each listening socket's queue (``TCP_INFO``: one system call per tick, nothing on the
request path); once ``BACKLOGGED`` connections or more wait, an
:class:`~squall.server.acceptor.Acceptor` watches a duplicate of each listening descriptor
as well and takes up to its batch per iteration.  When a tick finds the queues empty and the
burst acceptor took fewer than ``BACKLOGGED`` since the last one, libuv accepts alone again.
"""

from __future__ import annotations

import os
import socket
import ssl
import struct
from typing import Final

from squall.server.acceptor import Acceptor, ProtocolFactory
from squall.server.state import ServerState

BACKLOGGED: Final = 8  # connections waiting in a listen queue when a tick looks
TCP_INFO_SIZE: Final = 32  # enough of struct tcp_info for tcpi_unacked
QUEUE_OFFSET: Final = 24  # tcpi_unacked: for a listening socket, its accept queue's length


class CrowdAcceptor:
    """Burst accepting on duplicates of ``sockets`` while their listen queues fill."""

    def __init__(
        self,
        state: ServerState,
        sockets: list[socket.socket],
        factory: ProtocolFactory,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.sockets = [sock for sock in sockets if sock.family in TCP_FAMILIES]
        self.acceptor = Acceptor(state, [duplicate(sock) for sock in self.sockets], factory, tls)
        self.taken_at_check = 0
        self.closed = False

    @property
    def bursting(self) -> bool:
        return self.acceptor.accepting

    def check(self) -> None:
        """Start or stop burst accepting for what waits in the listen queues now."""
        if self.closed or not self.sockets:
            return
        waiting = max(queue_length(sock) for sock in self.sockets)
        taken = self.acceptor.accepted - self.taken_at_check
        self.taken_at_check = self.acceptor.accepted
        if not self.bursting and waiting >= BACKLOGGED:
            self.acceptor.start()
        elif self.bursting and waiting == 0 and taken < BACKLOGGED:
            self.acceptor.stop()

    def close(self) -> None:
        """Stop for good and close the duplicates (the listening sockets are not ours)."""
        if self.closed:
            return
        self.closed = True
        self.acceptor.stop()
        for sock in self.acceptor.sockets:
            sock.close()


TCP_FAMILIES: Final = (socket.AF_INET, socket.AF_INET6)


def duplicate(sock: socket.socket) -> socket.socket:
    """Another descriptor for the same listening socket (the same queue)."""
    return socket.socket(sock.family, sock.type, sock.proto, os.dup(sock.fileno()))


def queue_length(sock: socket.socket) -> int:
    """Connections the kernel has completed on listening ``sock`` and nobody accepted yet."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_SIZE)
    except OSError:  # closed meanwhile, or not TCP after all
        return 0
    return int(struct.unpack_from("I", info, QUEUE_OFFSET)[0])
