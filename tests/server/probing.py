"""A probe client for attack tests: a new connection, one page, and it must be a 200.

The slow-client tests (test_slow_clients.py, test_slowhttptest.py) probe while attackers hold
their connections: the server must keep answering new clients throughout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tests.server.serving import Running, connect, read_response


def probe(running: Running) -> None:
    """A new client asks for a page and must get its 200."""
    with connect(running) as sock:
        sock.sendall(b"GET /probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        response = read_response(sock)
    assert response.status == 200, response


def probe_until(running: Running, condition: Callable[[], bool], what: str, limit: float) -> int:
    """Probe again and again until ``condition`` holds; the number of probes answered."""
    probes = 0
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {limit} s waiting for {what}")
        probe(running)
        probes += 1
    return probes


class Prober(threading.Thread):
    """Probes ``port`` ten times a second until stopped; counts answers and failures."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.running = Running("127.0.0.1", port, None)  # type: ignore[arg-type]
        self.stopped = threading.Event()
        self.answered = 0
        self.failures: list[BaseException] = []

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                probe(self.running)
                self.answered += 1
            except Exception as exc:  # every failure is a finding: the test shows them
                self.failures.append(exc)
            self.stopped.wait(0.1)  # the probe's pace, not synchronisation

    def stop(self) -> None:
        self.stopped.set()
        self.join(10)
