"""A crowd of connections opened at once against ``--workers 2``: every one is answered.

The balanced acceptor takes its share of what waits in the listen queue per readiness event
instead of one connection.  Real ``squall --workers 2`` process groups and a burst client on
raw non-blocking sockets (``bench/burst_client.py``: HTTP/1.1, h2c, HTTP/1.1 over TLS), each
response naming the worker's pid; and one acceptor on a real listening socket, its queue
filled by real connections.  No timing assertions.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections import Counter
from pathlib import Path

import pytest

from bench.burst_client import H2c, Http1, Stage, Wire, burst
from squall.server.config import Config
from squall.server.state import ServerState
from squall.server.supervisor.balanced_accept import BATCH, BalancedAcceptor, allowance
from squall.server.supervisor.load_board import LoadBoard
from squall.server.supervisor.workers import CONTEXT
from tests.server.http2 import require_h2
from tests.server.listen_queue import listening, waiting_clients
from tests.server.supervisor.running import supervised

__all__ = ["listening"]  # the fixture, imported
CROWD = 300


@pytest.mark.parametrize("wire_name", ["h1", "h2c", "tls"])
def test_a_crowd_opened_at_once_is_answered_by_both_workers(tmp_path: Path, wire_name: str) -> None:
    wire: Wire = H2c() if wire_name == "h2c" else Http1()
    args = ["--workers", "2", "--timeout-keep-alive", "60", "--backlog", "1024"]
    client_tls = None
    if wire_name == "h2c":
        require_h2()
    if wire_name == "tls":
        from bench.certificates import make_certificates

        files = make_certificates(tmp_path)
        args += ["--ssl-certfile", files["certfile"], "--ssl-keyfile", files["keyfile"]]
        client_tls = ssl.create_default_context(cafile=files["cafile"])
    with supervised(tmp_path, *args, ready=2, probe=False) as running:
        exchanges = burst(running.port, CROWD, wire, client_tls, limit=30)
        workers = running.live_pids()
    failures = Counter(e.error for e in exchanges if e.stage is not Stage.DONE)
    assert not failures, failures
    served = Counter(int(wire.body(bytes(e.received))) for e in exchanges)
    assert set(served) == workers, served  # both workers took part of the crowd


def test_a_worker_takes_its_share_of_the_queue_per_event(listening: socket.socket) -> None:
    loop = asyncio.new_event_loop()
    state = ServerState(Config(app=None, access_log=False), None, loop)
    board = LoadBoard.create(CONTEXT, slots=2)
    ours, other = 0, 1
    assert (board.claim([]), board.claim([ours])) == (ours, other)
    acceptor = BalancedAcceptor(state, [listening], asyncio.Protocol, board, ours)
    acceptor.accepting = True  # watched by hand: the test calls the readiness event itself
    clients = waiting_clients(listening, 20)
    try:
        board.publish(other, 0)
        acceptor._on_readable(listening)
        assert acceptor.accepted == 10  # half of the 20 waiting: the rest is the other's
        assert acceptor.deferred_since is not None  # over the line now: it waits for a turn
        acceptor.deferred_since = None
        board.publish(other, 10)
        clients += waiting_clients(listening, 1)  # 11 waiting: shares of 5 each
        acceptor._on_readable(listening)
        assert acceptor.accepted == 15
    finally:
        acceptor.stop()
        for task in list(acceptor.connecting):
            task.cancel()
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()
        for client in clients:
            client.close()


def test_the_share_is_strict_turns_without_a_crowd_and_a_batch_at_most() -> None:
    assert allowance(waiting=0, workers=2) == 1  # hold no more than the least loaded
    assert allowance(waiting=3, workers=2) == 1
    assert allowance(waiting=20, workers=2) == 10
    assert allowance(waiting=21, workers=3) == 7
    assert allowance(waiting=4000, workers=2) == BATCH
