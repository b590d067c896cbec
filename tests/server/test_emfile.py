"""Out of file descriptors (EMFILE): no spinning, one warning per interval, recovery.

A real ``squall`` subprocess runs with a low RLIMIT_NOFILE; real client sockets fill it.
While it is out of descriptors its CPU time must stay far below a spinning accept loop's,
its log must hold one warning (no traceback) for the whole shortage (shorter than one
report interval, while accepting is retried ten times a second), and once the clients
close, a new client gets its 200.  A client that queued meanwhile is answered too where the
kernel keeps it queued (Python-side accepting); under uvloop libuv closes it at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from squall.server.descriptors import ShortageReport
from tests.server.serving import REPO, wait_until
from tests.server.supervisor.running import free_port, stop_group

LIMIT = 48  # descriptors per server process: a few dozen connections fill it
APP = "tests.server.asgi_apps:echo"
WARNING = "WARNING:  out of file descriptors"
MEASURE = 1.0  # seconds over which the exhausted server's CPU time is measured
SPINNING = 0.2  # a spinning accept loop uses the whole interval; allow a fifth of it
TICKS = os.sysconf("SC_CLK_TCK")
REQUEST = b"GET / HTTP/1.1\r\nhost: x\r\n\r\n"

MODES = {
    "asyncio": ("--loop", "asyncio"),
    "uvloop": ("--loop", "uvloop"),
    "workers-balanced": ("--workers", "2"),
    "workers-reuse-port": ("--workers", "2", "--reuse-port", "--loop", "asyncio"),
}
QUEUES = {"asyncio": True, "uvloop": False, "workers-balanced": True, "workers-reuse-port": True}


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def warnings(self) -> int:
        return self.log().count(WARNING)

    def cpu_seconds(self) -> float:
        """User plus system time of the server and every process below it."""
        return sum(cpu_ticks(pid) for pid in process_tree(self.proc.pid)) / TICKS


def cpu_ticks(pid: int) -> int:
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    return 0


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                with open(f"/proc/{name}/stat") as stat:
                    parent = int(stat.read().rpartition(")")[2].split()[1])
                children.setdefault(parent, []).append(int(name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def low_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


@contextlib.contextmanager
def squall(tmp_path: Path, *args: str) -> Iterator[Running]:
    port = free_port()
    log_path = tmp_path / "squall.log"
    command = [sys.executable, "-m", "squall", APP, "--port", str(port), "--no-access-log"]
    command += ["--timeout-keep-alive", "60", "--timeout-headers", "60", *args]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=low_limit,
            start_new_session=True,
        )
    try:
        wait_until(lambda: "running on" in running_log(log_path), "the server to listen", 20)
        if "--workers" in args:
            wait_until(lambda: running_log(log_path).count("running on") >= 2, "2 workers", 20)
        yield Running(proc, port, log_path)
    finally:
        stop_group(proc)


def running_log(path: Path) -> str:
    return path.read_text(errors="replace")


def get(port: int, timeout: float = 5.0) -> bytes:
    """One request on a new connection; the response's first bytes (b"" if closed unanswered)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(REQUEST)
        with contextlib.suppress(ConnectionResetError):
            return sock.recv(1024)
    return b""


def fill(port: int, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]


@pytest.mark.parametrize("mode", list(MODES))
def test_out_of_descriptors_no_spin_one_warning_recovers(tmp_path: Path, mode: str) -> None:
    with squall(tmp_path, *MODES[mode]) as running:
        assert get(running.port).startswith(b"HTTP/1.1 200")
        idle = fill(running.port, 3 * LIMIT)  # more than the server (or both workers) can hold
        try:
            wait_until(lambda: running.warnings() >= 1, "the out-of-descriptors warning", 10)
            queued = socket.create_connection(("127.0.0.1", running.port), timeout=5)
            queued.sendall(REQUEST)
            before, started = running.cpu_seconds(), time.monotonic()
            time.sleep(MEASURE)  # a measurement window, not a synchronisation
            used = running.cpu_seconds() - before
            elapsed = time.monotonic() - started
            assert used < SPINNING * elapsed, f"{used:.2f} s of CPU in {elapsed:.2f} s"
            workers = 2 if "--workers" in MODES[mode] else 1
            assert 1 <= running.warnings() <= workers, running.log()  # one per interval each
            assert "Traceback" not in running.log()
            line = next(li for li in running.log().splitlines() if WARNING in li)
            assert re.search(r"\d+ connections open", line), line
        finally:
            for sock in idle:
                sock.close()
        with queued:
            if QUEUES[mode]:  # kept in the listen queue, answered once descriptors free up
                assert queued.recv(1024).startswith(b"HTTP/1.1 200")
            else:  # libuv's spare-descriptor trick: accepted and closed at once
                with contextlib.suppress(ConnectionResetError):
                    assert queued.recv(1024) == b""
        # (uvloop: a client connecting before the server has read its clients' closes is
        # still closed at once; the recovery line comes once a descriptor is free)
        wait_until(lambda: "available again" in running.log(), "the recovery line", 5)
        assert get(running.port, timeout=3).startswith(b"HTTP/1.1 200")
        assert running.proc.poll() is None


def test_the_warning_repeats_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    report = ShortageReport(lambda: 7, "waiting", every=5.0, clock=lambda: now[0])
    error = OSError(24, "Too many open files")
    with caplog.at_level("INFO", logger="squall.error"):
        for step in range(101):  # 10 s of failed accepts, ten a second
            now[0] = step / 10
            report.shortage(error)
        report.recovered()
        report.recovered()
    messages = [record.getMessage() for record in caplog.records]
    warnings = [m for m in messages if m.startswith("out of file descriptors")]
    assert len(warnings) == 3  # at 0, 5 and 10 s
    assert "7 connections open; waiting" in warnings[0]
    assert sum("available again" in m for m in messages) == 1
