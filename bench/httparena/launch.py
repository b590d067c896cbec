"""Start an HttpArena entry locally as HttpArena's framework.sh does, on free ports.

An entry is a directory with ``launcher.py`` and ``meta.json``: Squall's (deploy/httparena/) or
the FastAPI twin (bench/httparena/fastapi_entry/).  The launcher reads its ports from PORT,
H1TLS_PORT, H2C_PORT and H2PORT, its mounts from DATASET_PATH, STATIC_DIR, TLS_CERT and TLS_KEY,
and DATABASE_URL / DATABASE_MAX_CONN.  ``entry_running`` generates the mounts in a temporary
directory, starts a throwaway PostgreSQL when a database profile is subscribed, starts the
launcher (pinned to ``cpus`` when given) and waits for the readiness probes of framework.sh.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench.httparena.checks import Target, curl

ROOT: Final = Path(__file__).resolve().parents[2]
ENTRIES: Final = {
    "squall": ROOT / "deploy" / "httparena",
    "fastapi": Path(__file__).resolve().parent / "fastapi_entry",
}
DATABASE_PROFILES: Final = frozenset({"async-db", "crud", "api-4", "api-16"})
READY_TIMEOUT: Final = 30.0
STOP_TIMEOUT: Final = 20.0
CODE_ONLY: Final = ("-o", "/dev/null", "-w", "%{http_code}")


class EntryError(RuntimeError):
    pass


@dataclass(frozen=True)
class Entry:
    name: str
    directory: Path  # where launcher.py runs
    meta: Path | None = None  # its meta.json, when not in ``directory`` (an image has none)

    @property
    def tests(self) -> list[str]:
        meta = json.loads((self.meta or self.directory / "meta.json").read_text())
        return [str(test) for test in meta.get("tests", [])]


def entry(name: str) -> Entry:
    directory = ENTRIES[name]
    if not (directory / "launcher.py").is_file():
        raise EntryError(f"{directory}/launcher.py is missing (is the {name} entry merged?)")
    return Entry(name, directory)


@dataclass
class Started:
    entry: Entry
    target: Target
    static_dir: str
    process: subprocess.Popen[bytes]


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def environment(target: Target, mounts_dir: Path, database_url: str | None) -> dict[str, str]:
    variables = {
        **os.environ,
        "HOST": target.host,
        "PORT": str(target.h1),
        "H1TLS_PORT": str(target.h1_tls),
        "H2C_PORT": str(target.h2c),
        "H2PORT": str(target.h2_tls),
        "DATASET_PATH": str(mounts_dir / "dataset.json"),
        "STATIC_DIR": str(mounts_dir / "static"),
        "TLS_CERT": str(mounts_dir / "certs" / "server.crt"),
        "TLS_KEY": str(mounts_dir / "certs" / "server.key"),
        "DATABASE_MAX_CONN": "256",
        "PYTHONUNBUFFERED": "1",
    }
    variables.pop("REDIS_URL", None)  # validation provides no Redis
    if database_url:
        variables["DATABASE_URL"] = database_url
    return variables


def answered(code: str) -> bool:
    return code not in ("", "000")


def probes(target: Target, tests: Sequence[str]) -> list[list[str]]:
    """framework.sh's readiness probes for the subscribed profiles: any HTTP answer counts."""
    found = [[*CODE_ONLY, target.url("/baseline11?a=1&b=1")]]
    if "json-tls" in tests:
        found.append(["-k", *CODE_ONLY, target.tls_url("/json/1?m=1")])
    if any(test in tests for test in ("baseline-h2c", "json-h2c")):
        found.append(
            [
                "--http2-prior-knowledge",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                target.h2c_url("/baseline2?a=1&b=1"),
            ]
        )
    return found


def wait_ready(started: Started, tests: Sequence[str]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    name = started.entry.name
    for probe in probes(started.target, tests):
        while not answered(curl(probe, timeout=2).decode().strip()):
            if started.process.poll() is not None:
                raise EntryError(f"the {name} launcher exited with {started.process.returncode}")
            if time.monotonic() > deadline:
                raise EntryError(f"the {name} entry was not ready in {READY_TIMEOUT:g} s")
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the launcher (it stops its servers), then SIGKILL to its group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@dataclass(frozen=True)
class Setup:
    """What an entry runs with: CPUs to pin it to, and mounts or a database made beforehand."""

    cpus: str | None = None
    quiet: bool = False
    mounts: Path | None = None  # a directory from bench.httparena.data (else made for the run)
    database_url: str | None = None  # a seeded PostgreSQL (else a throwaway one when needed)
    python: str | None = None  # the launcher's interpreter (else this one), as an image has it


@contextlib.contextmanager
def database(needed: bool, given: str | None) -> Iterator[str | None]:
    if not needed or given:
        yield given if needed else None
        return
    from bench.httparena.postgres import throwaway_postgres

    with throwaway_postgres() as url:
        yield url


@contextlib.contextmanager
def mounts_directory(given: Path | None) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    from bench.httparena.data import write_mounts

    with tempfile.TemporaryDirectory(prefix="httparena-mounts-") as directory:
        yield write_mounts(Path(directory), seed_sql=False).root


def launcher_command(setup: Setup) -> list[str]:
    command = [setup.python or sys.executable, "launcher.py"]
    return command if setup.cpus is None else ["taskset", "-c", setup.cpus, *command]


@contextlib.contextmanager
def entry_running(chosen: Entry, tests: Sequence[str], setup: Setup = Setup()) -> Iterator[Started]:
    """The entry serving the mounts (and a seeded PostgreSQL when needed) on free ports."""
    h1, h1_tls, h2c, h2_tls = free_ports(4)
    target = Target("127.0.0.1", h1, h1_tls, h2c, h2_tls)
    needs_database = bool(DATABASE_PROFILES.intersection(tests))
    with (
        mounts_directory(setup.mounts) as mounts,
        database(needs_database, setup.database_url) as url,
    ):
        output = subprocess.DEVNULL if setup.quiet else None
        variables = environment(target, mounts, url)
        if setup.python:  # its own installation only, as in the image
            variables.pop("PYTHONPATH", None)
        process = subprocess.Popen(
            launcher_command(setup), cwd=chosen.directory, env=variables,
            start_new_session=True, stdout=output, stderr=output,
        )  # fmt: skip
        started = Started(chosen, target, str(mounts / "static"), process)
        try:
            wait_ready(started, tests)
            yield started
        finally:
            stop(process)
