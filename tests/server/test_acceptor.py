"""The Python-side acceptor (asyncio's loop; the base of the workers' balanced one) takes a
burst of waiting connections in one readiness event, up to its batch.

One per event left a burst in the listen queue for seconds while hundreds of busy
connections made every loop iteration long (README, the static p99).  Real sockets: a
listening socket, client connections waiting in its queue, one call of the event's handler.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest

from squall.server import acceptor
from squall.server.acceptor import Acceptor
from squall.server.config import Config
from squall.server.state import ServerState


@pytest.fixture
def listening() -> Iterator[tuple[Acceptor, socket.socket, asyncio.AbstractEventLoop]]:
    loop = asyncio.new_event_loop()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    state = ServerState(Config(app=None, access_log=False), None, loop)
    taker = Acceptor(state, [sock], asyncio.Protocol)
    taker.accepting = True  # watched by hand: one call of its readiness handler
    sock.setblocking(False)
    try:
        yield taker, sock, loop
    finally:
        taker.accepting = False
        for task in list(taker.connecting):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        sock.close()
        loop.close()


def waiting_clients(sock: socket.socket, count: int) -> list[socket.socket]:
    """``count`` connections completed by the kernel, none accepted yet."""
    return [socket.create_connection(sock.getsockname()) for _ in range(count)]


def test_a_burst_is_accepted_in_one_readiness_event(
    listening: tuple[Acceptor, socket.socket, asyncio.AbstractEventLoop],
) -> None:
    taker, sock, _ = listening
    clients = waiting_clients(sock, 40)
    try:
        taker._on_readable(sock)
        assert len(taker.connecting) == 40
    finally:
        for client in clients:
            client.close()


def test_a_burst_bigger_than_the_batch_takes_more_events(
    listening: tuple[Acceptor, socket.socket, asyncio.AbstractEventLoop],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taker, sock, _ = listening
    monkeypatch.setattr(acceptor, "BATCH", 16)
    clients = waiting_clients(sock, 40)
    try:
        taker._on_readable(sock)
        assert len(taker.connecting) == 16  # the rest wait for the next event
        taker._on_readable(sock)
        taker._on_readable(sock)
        assert len(taker.connecting) == 40
        taker._on_readable(sock)  # none left: nothing more, no error
        assert len(taker.connecting) == 40
    finally:
        for client in clients:
            client.close()
