"""Burst accepting beside libuv (``crowd_accept.py``): libuv takes one connection per loop
iteration, so while busy connections make iterations long a burst of new ones waits in the
listen queue; the housekeeping tick sees the queue and a Python acceptor on a duplicate of
the listening descriptor takes them in batches.  Real sockets and a real uvloop server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import pytest

from squall.server.config import Config
from squall.server.crowd_accept import BACKLOGGED, CrowdAcceptor, queue_length
from squall.server.state import ServerState
from tests.server.listen_queue import listening, waiting_clients
from tests.server.serving import join_all, serve

__all__ = ["listening"]  # the fixture, imported
REQUEST = b"GET / HTTP/1.1\r\nhost: x\r\n\r\n"


def test_the_queue_length_is_the_connections_nobody_accepted(listening: socket.socket) -> None:
    assert queue_length(listening) == 0
    clients = waiting_clients(listening, 7)
    conn, _ = listening.accept()
    assert queue_length(listening) == 6
    for client in [*clients, conn]:
        client.close()


def test_a_backlog_starts_burst_accepting_and_a_quiet_tick_stops_it(
    listening: socket.socket,
) -> None:
    loop = asyncio.new_event_loop()
    state = ServerState(Config(app=None, access_log=False), None, loop)
    crowd = CrowdAcceptor(state, [listening], asyncio.Protocol)
    clients = waiting_clients(listening, BACKLOGGED - 1)
    try:
        crowd.check()
        assert not crowd.bursting  # a short queue: libuv keeps up alone
        clients += waiting_clients(listening, 20 - len(clients))
        crowd.check()
        assert crowd.bursting
        duplicate = crowd.acceptor.sockets[0]
        assert duplicate.fileno() != listening.fileno()
        crowd.acceptor._on_readable(duplicate)  # one readiness event takes the whole burst
        assert crowd.acceptor.accepted == 20
        assert queue_length(listening) == 0
        crowd.check()
        assert crowd.bursting  # connections kept coming since the last tick
        crowd.check()
        assert not crowd.bursting  # an empty queue and nothing taken: libuv alone again
    finally:
        crowd.close()
        for task in list(crowd.acceptor.connecting):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        for client in clients:
            client.close()
    assert listening.fileno() != -1  # the listening socket is not the crowd acceptor's


async def slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Blocks the loop for a moment per request, as a busy server's iterations are long."""
    if scope["type"] != "http":
        return
    time.sleep(0.003)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def ask(port: int, stop: threading.Event | None = None) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        while True:
            sock.sendall(REQUEST)
            answer = b""
            while not answer.endswith(b"ok"):
                answer += sock.recv(4096)
            if stop is None or stop.is_set():
                return


def test_a_burst_behind_busy_connections_is_taken_in_batches_on_uvloop() -> None:
    pytest.importorskip("uvloop")
    with serve(slow_app, loop="uvloop", backlog=1024) as running:
        crowd = running.server.crowd
        assert crowd is not None  # libuv accepts: the burst acceptor stands by
        stop = threading.Event()
        busy = [threading.Thread(target=ask, args=(running.port, stop)) for _ in range(30)]
        fresh = [threading.Thread(target=ask, args=(running.port,)) for _ in range(60)]
        for thread in busy:
            thread.start()
        try:
            for thread in fresh:
                thread.start()
            join_all(fresh, limit=60)
        finally:
            stop.set()
            join_all(busy, limit=30)
        assert crowd.acceptor.accepted > 0  # the burst did not wait for libuv's one a turn
