"""The real ``slowhttptest`` against a real Squall: slowloris, slow body, slow read.

Each attack opens a few hundred connections against a ``squall`` subprocess with short
timeouts.  slowhttptest's own probe asks for a page every second; its CSV report (one row a
second: closed, pending, connected, service available) must show the service available
throughout and every attack connection closed by the server before the run's time is up.
Our own probe asks too, and must get its 200s.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server.probing import Prober
from tests.server.serving import serve_subprocess

SLOWHTTPTEST = shutil.which("slowhttptest")
if SLOWHTTPTEST is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("slowhttptest is required under CI=true (.ci/run installs it)")
    pytestmark = pytest.mark.skip(reason="slowhttptest is not installed (Debian: slowhttptest)")

CONNECTIONS = 300
LENGTH = 15  # seconds slowhttptest may run at most; the server's timeouts end it sooner
TIMEOUT = 2  # every server timeout under test, in seconds


@dataclass
class Second:
    """One row of slowhttptest's CSV report."""

    seconds: int
    closed: int
    pending: int
    connected: int
    available: bool


def read_report(path: Path) -> list[Second]:
    with path.open() as report:
        rows = list(csv.reader(report))
    assert rows[0] == ["Seconds", "Closed", "Pending", "Connected", "Service Available"], rows[0]
    return [
        Second(int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]) > 0)
        for row in rows[1:]
    ]


def attack(
    tmp_path: Path, port: int, path: str, connections: int, *mode: str
) -> tuple[list[Second], str]:
    prefix = tmp_path / "report"
    command = [
        str(SLOWHTTPTEST),
        *mode,
        "-c",
        str(connections),
        "-r",
        str(connections),  # connections per second: all of them in the first second
        "-l",
        str(LENGTH),
        "-p",
        "5",  # the probe's patience, in seconds (slowhttptest's default)
        "-u",
        f"http://127.0.0.1:{port}{path}",
        "-g",
        "-o",
        str(prefix),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=LENGTH + 30)
    assert done.returncode == 0, done.stdout + done.stderr
    return read_report(prefix.with_suffix(".csv")), done.stdout


def ended_on(output: str) -> int:
    """The second slowhttptest says its run ended on ("Test ended on 3th second")."""
    found = re.search(r"Test ended on (\d+)\w* second", output)
    assert found is not None, output
    return int(found.group(1))


@pytest.mark.parametrize(
    ("path", "mode"),
    [
        pytest.param("/", ("-H", "-i", "1"), id="slowloris"),
        # A few bytes every second: too little to restart the body timer.
        pytest.param("/count", ("-B", "-i", "1", "-s", "100000"), id="slow-body"),
        pytest.param(
            "/big",
            # A few KiB of window read 4 KiB a second: the server sees too little progress,
            # and slowhttptest notices the close once it has read what was in its buffer.
            # Four answers of 1 MB each: more than the kernel's send queue takes (see the
            # README: what it holds of a closed connection is not ours to time).  A third of
            # the connections: the kernel queues ~1.6 MB for each; at 300 (~480 MB) on a
            # loaded machine slowhttptest's probe once went unanswered for 3 s, cause unknown.
            ("-X", "-k", "4", "-w", "1", "-y", "64", "-n", "1", "-z", "4096"),
            id="slow-read",
        ),
    ],
)
def test_slowhttptest_attackers_are_closed_and_the_service_stays_available(
    tmp_path: Path, path: str, mode: tuple[str, ...]
) -> None:
    connections = CONNECTIONS // 3 if "-X" in mode else CONNECTIONS
    with serve_subprocess(
        "tests.server.asgi_apps:router",
        "--no-access-log",
        "--timeout-headers",
        str(TIMEOUT),
        "--timeout-body",
        str(TIMEOUT),
        "--timeout-write",
        str(TIMEOUT),
        "--backlog",
        "1024",
    ) as (_, port):
        prober = Prober(port)
        prober.start()
        started = time.monotonic()
        try:
            seconds, output = attack(tmp_path, port, path, connections, *mode)
        finally:
            prober.stop()
        took = time.monotonic() - started
    # The attack connections never end on their own: if none is left before the run's time
    # is up, the server closed them.  (The CSV's last row may predate the closes: slowhttptest
    # stops as soon as the last one goes, without writing that second's row.)
    assert "No open connections left" in output, output
    assert ended_on(output) < LENGTH, output
    assert took < LENGTH + 5
    assert max(second.connected for second in seconds) > connections // 2  # the attack was on
    assert all(second.available for second in seconds), seconds
    assert prober.answered >= 3 and not prober.failures, prober.failures
