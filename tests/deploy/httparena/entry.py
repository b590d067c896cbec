"""Run deploy/httparena/launcher.py as HttpArena would, on free ports, for tests.

``run_entry(environment)`` starts the launcher (its four servers, one worker per CPU of its
affinity mask: one CPU here, so one process per server), waits until every expected port
accepts connections and the plain one answers, and on leaving sends SIGTERM
and waits for the launcher and its servers to exit.  ``entry_environment`` builds the
variables HttpArena sets (DATASET_PATH, TLS_CERT, ...) from generated mounts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.httparena.data import Mounts
from bench.httparena.launch import free_ports
from tests.server.serving import REPO, TEST_LOOP, wait_until

ENTRY = Path(REPO) / "deploy" / "httparena"
START_LIMIT = 60.0  # every worker of four servers imports the app on a shared 2-CPU machine
STOP_LIMIT = 30.0


@dataclass(frozen=True)
class Ports:
    h1: int
    h1_tls: int
    h2c: int
    h2_tls: int

    def variables(self) -> dict[str, str]:
        return {
            "PORT": str(self.h1),
            "H1TLS_PORT": str(self.h1_tls),
            "H2C_PORT": str(self.h2c),
            "H2PORT": str(self.h2_tls),
        }


@dataclass(frozen=True)
class Entry:
    ports: Ports
    process: subprocess.Popen[bytes]
    mounts: Mounts | None


def accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def one_cpu() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def answers(port: int) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"http://127.0.0.1:{port}/pipeline", timeout=1).status_code == 200
    return False


def entry_environment(mounts: Mounts | None, database_url: str | None) -> dict[str, str]:
    """HttpArena's variables; without mounts, paths where nothing is (its selective mounts)."""
    missing = "/nonexistent/httparena"
    variables = {
        "DATASET_PATH": str(mounts.dataset) if mounts else f"{missing}/dataset.json",
        "STATIC_DIR": str(mounts.static) if mounts else f"{missing}/static",
        "TLS_CERT": str(mounts.cert) if mounts else f"{missing}/server.crt",
        "TLS_KEY": str(mounts.key) if mounts else f"{missing}/server.key",
        "DATABASE_MAX_CONN": "64",
    }
    if database_url is not None:
        variables["DATABASE_URL"] = database_url
    return variables


@contextlib.contextmanager
def run_entry(variables: dict[str, str], mounts: Mounts | None, log: Path) -> Iterator[Entry]:
    ports = Ports(*free_ports(4))
    environment = {**os.environ, **variables, **ports.variables(), "HOST": "127.0.0.1"}
    environment["SQUALL_LOOP"] = TEST_LOOP
    environment.pop("REDIS_URL", None)
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "launcher.py"],
            cwd=ENTRY,
            env=environment,
            stdout=output,
            stderr=output,
            start_new_session=True,  # its own group: killed whole if it does not stop
            preexec_fn=one_cpu,
        )
        try:
            expected = [ports.h1, ports.h2c]
            if mounts is not None:
                expected += [ports.h1_tls, ports.h2_tls]
            wait_until(
                lambda: (
                    process.poll() is not None
                    or (all(accepts(port) for port in expected) and answers(ports.h1))
                ),
                "the entry's servers to listen",
                limit=START_LIMIT,
                step=0.1,
            )
            assert process.poll() is None, log.read_text()
            yield Entry(ports, process, mounts)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
