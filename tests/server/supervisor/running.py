"""Run ``squall --workers ...`` as a real process group and watch it from outside.

The supervisor starts in a session of its own; teardown stops the whole group (workers
included) even when a test fails.  Its log goes to a file the tests read.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server.serving import REPO, bound_socket, cli_command, wait_for_port, wait_until

APP = "tests.server.supervisor.apps:app"


@dataclass
class Supervised:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def started_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"started worker \[(\d+)\]", self.log())]

    def ready_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"worker \[(\d+)\] ready", self.log())]

    def exited_pids(self) -> list[int]:
        return [int(p) for p in re.findall(r"worker \[(\d+)\] (?:exited|died)", self.log())]

    def live_pids(self) -> set[int]:
        return set(self.ready_pids()) - set(self.exited_pids())

    def wait_log(self, pattern: str, limit: float = 10.0) -> None:
        wait_until(lambda: re.search(pattern, self.log()), f"log line {pattern!r}", limit)

    def pid(self, path: str = "/") -> int:
        """The pid of the worker that answers a request on a new connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200
            return int(response.read())
        finally:
            connection.close()


def free_port() -> int:
    with contextlib.closing(bound_socket()) as sock:
        port: int = sock.getsockname()[1]
    return port


@contextlib.contextmanager
def supervised(
    tmp_path: Path, *args: str, app: str = APP, cwd: str = REPO, ready: int = 1, probe: bool = True
) -> Iterator[Supervised]:
    """``squall APP --port P ARGS``; waits until ``ready`` workers said they are ready.

    ``probe=False`` waits for the log lines only: no probing connection, which a worker would
    count among its open connections until it notices the close.
    """
    port = free_port()
    log_path = tmp_path / f"squall-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cli_command(app, "--port", str(port), "--no-access-log", *args),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Supervised(proc, port, log_path)
    try:
        if probe:
            wait_for_port(port, proc, limit=20)
        wait_until(lambda: len(running.ready_pids()) >= ready, f"{ready} ready workers", 20)
        yield running
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # workers left behind, if any
    if proc.poll() is None:
        proc.wait(5)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is not installed (.ci/run installs it)")
        pytest.skip("wrk is not installed")
    return path


@dataclass
class WrkResult:
    output: str
    requests: int
    socket_errors: int
    non_2xx: int


def parse_wrk(output: str) -> WrkResult:
    requests = re.search(r"(\d+) requests in", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    assert requests is not None, output
    return WrkResult(
        output=output,
        requests=int(requests.group(1)),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


class Wrk:
    """wrk running against ``url`` in the background: ``result()`` waits for its report."""

    def __init__(self, url: str, seconds: int = 3, connections: int = 8) -> None:
        command = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", url]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.seconds = seconds

    def result(self) -> WrkResult:
        output, _ = self.proc.communicate(timeout=self.seconds + 20)
        return parse_wrk(output.decode())

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


@contextlib.contextmanager
def wrk_running(url: str, seconds: int = 3) -> Iterator[Wrk]:
    wrk = Wrk(url, seconds)
    try:
        yield wrk
    finally:
        wrk.kill()


def pids_answering(running: Supervised, expected: set[int], limit: float = 10.0) -> set[int]:
    """Request pids on new connections, from 4 threads, until every ``expected`` pid answered."""
    seen: set[int] = set()
    deadline = time.monotonic() + limit

    def ask() -> None:
        while not expected <= seen and time.monotonic() < deadline:
            seen.add(running.pid())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(limit + 5)
    assert expected <= seen, f"only {seen} answered, expected {expected}"
    return seen
