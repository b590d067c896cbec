"""Balanced accepting: keep-alive connections spread evenly over the workers, whatever their number.

Real ``squall --workers 2`` process groups; http.client connections opened one after the
other and kept open, each asking which worker (pid) answers it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from squall.server.supervisor.load_board import LoadBoard
from squall.server.supervisor.workers import CONTEXT
from tests.server.serving import wait_until
from tests.server.supervisor.running import Supervised, supervised

# Idle keep-alive connections must outlive the test: they are what is counted.
ARGS = ("--workers", "2", "--timeout-keep-alive", "60")


class Clients:
    """Keep-alive client connections, each with the pid of the worker that answered it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.open: list[tuple[http.client.HTTPConnection, int]] = []

    def connect(self, count: int) -> list[int]:
        """Open ``count`` connections one after the other; the pids that answered, in order."""
        pids = []
        for _ in range(count):
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", "/")
            response = connection.getresponse()
            assert response.status == 200
            pid = int(response.read())
            self.open.append((connection, pid))
            pids.append(pid)
        return pids

    def per_worker(self) -> Counter[int]:
        return Counter(pid for _, pid in self.open)

    def close_those_of(self, pid: int) -> None:
        for connection, answered_by in self.open:
            if answered_by == pid:
                connection.close()
        self.open = [(c, p) for c, p in self.open if p != pid]

    def close(self) -> None:
        for connection, _ in self.open:
            connection.close()
        self.open = []


@contextlib.contextmanager
def clients(running: Supervised) -> Iterator[Clients]:
    opened = Clients(running.port)
    try:
        yield opened
    finally:
        opened.close()


def test_ten_keep_alive_connections_split_five_and_five(tmp_path: Path) -> None:
    with supervised(tmp_path, *ARGS, ready=2, probe=False) as running, clients(running) as opened:
        assert "balanced by open connections" in running.log()
        opened.connect(10)
        assert sorted(opened.per_worker().values()) == [5, 5]
        assert set(opened.per_worker()) == running.live_pids()


def test_a_stuck_worker_does_not_starve_new_connections(tmp_path: Path) -> None:
    with supervised(tmp_path, *ARGS, ready=2, probe=False) as running, clients(running) as opened:
        first, second = opened.connect(2)
        assert first != second  # one each: from now on each waits for the other in turn
        os.kill(second, signal.SIGSTOP)  # its loop no longer runs; the supervisor does not know
        try:
            started = time.monotonic()
            taken = opened.connect(4)  # each waits for the stopped worker, then is taken
            elapsed = time.monotonic() - started
        finally:
            os.kill(second, signal.SIGCONT)
        assert taken == [first] * 4
        # The stopped worker's slot goes stale within FRESH_MS: then nobody waits for it.
        assert elapsed < 2.0, f"{elapsed:.2f} s for 4 connections"


def test_a_replaced_worker_starts_from_an_empty_slot(tmp_path: Path) -> None:
    with supervised(tmp_path, *ARGS, ready=2, probe=False) as running, clients(running) as opened:
        opened.connect(10)
        survivor, victim = sorted(opened.per_worker())
        os.kill(victim, signal.SIGKILL)
        opened.close_those_of(victim)
        wait_until(lambda: len(running.live_pids() - {victim}) == 2, "a replacement", 10)
        (replacement,) = running.live_pids() - {victim, survivor}
        # The survivor holds 5, the replacement none (the dead worker's 5 are not counted):
        # the replacement takes the next 5, then they take turns.
        assert opened.connect(5) == [replacement] * 5
        opened.connect(5)
        assert sorted(opened.per_worker().values()) == [7, 8]
        assert set(opened.per_worker()) == {survivor, replacement}


def test_the_load_board_counts_only_live_fresh_slots_of_other_workers() -> None:
    board = LoadBoard.create(CONTEXT, slots=4)
    first, second, third = (board.claim(taken) for taken in ([], [0], [0, 1]))
    assert (first, second, third) == (0, 1, 2)
    assert board.least_of_others(0, fresh_ms=1000) is None  # the others do not accept yet
    board.publish(1, 7)
    board.publish(2, 3)
    assert board.least_of_others(0, fresh_ms=1000) == 3
    assert board.least_of_others(2, fresh_ms=1000) == 7
    board.clear(2)  # its worker died
    assert board.least_of_others(0, fresh_ms=1000) == 7
    assert board.least_of_others(0, fresh_ms=-1) is None  # written too long ago
    assert board.claim([0, 1]) == 2  # a dead worker's slot is given out again, cleared
    assert board.least_of_others(0, fresh_ms=1000) == 7
    assert board.claim([0, 1, 2, 3]) is None
