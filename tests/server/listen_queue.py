"""A listening socket whose queue the tests fill with connections nobody accepted yet."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from squall.server.crowd_accept import queue_length
from tests.server.serving import wait_until


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    sock.setblocking(False)
    yield sock
    sock.close()


def waiting_clients(sock: socket.socket, count: int) -> list[socket.socket]:
    """``count`` more connections completed by the kernel, none accepted yet."""
    waiting = queue_length(sock) + count
    clients = [socket.create_connection(sock.getsockname()) for _ in range(count)]
    wait_until(lambda: queue_length(sock) == waiting, f"{waiting} connections in the queue")
    return clients
