"""Start Squall's HttpArena entry: four `squall` servers, one worker per CPU each.

- 8080 (PORT): HTTP/1.1, WebSocket /ws, and h2c by its preface (``--http auto``);
- 8081 (H1TLS_PORT): HTTP/1.1 over TLS, ALPN http/1.1 (``--http h1``);
- 8082 (H2C_PORT): h2c with prior knowledge only, HTTP/1.1 refused (``--http h2``);
- 8443 (H2PORT): TLS, ALPN h2 then http/1.1 (``--http auto``).

The TLS servers start only when TLS_CERT and TLS_KEY (/certs/server.crt, /certs/server.key)
exist.  Workers per server: the CPUs of this process's affinity mask (1..128), also given to
the app as WRK_COUNT for its database pool.  Before the servers start, the crud cache's table
is made under /dev/shm and named in HTTPARENA_CACHE_FILE, so every worker of the plain server
shares it.  SIGTERM or SIGINT stops every server; so does any of them exiting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from item_cache import create_table_file

HERE: Final = Path(__file__).resolve().parent
MAX_WORKERS: Final = 128
STOP_TIMEOUT: Final = 20.0


@dataclass(frozen=True)
class Listener:
    name: str
    port_variable: str
    default_port: int
    http: str
    tls: bool

    def port(self) -> int:
        return int(os.environ.get(self.port_variable) or self.default_port)


LISTENERS: Final = (
    Listener("h1", "PORT", 8080, "auto", tls=False),
    Listener("h1-tls", "H1TLS_PORT", 8081, "h1", tls=True),
    Listener("h2c", "H2C_PORT", 8082, "h2", tls=False),
    Listener("h2-tls", "H2PORT", 8443, "auto", tls=True),
)


def worker_count() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def certificates() -> tuple[str, str] | None:
    cert = os.environ.get("TLS_CERT", "/certs/server.crt")
    key = os.environ.get("TLS_KEY", "/certs/server.key")
    return (cert, key) if os.path.isfile(cert) and os.path.isfile(key) else None


def command(listener: Listener, workers: int, tls: tuple[str, str] | None) -> list[str]:
    arguments = [
        sys.executable, "-m", "squall", "app:app",
        "--app-dir", str(HERE),
        "--host", os.environ.get("HOST", "0.0.0.0"),
        "--port", str(listener.port()),
        "--http", listener.http,
        "--workers", str(workers),
        "--backlog", "8192",
        "--no-access-log",
        "--log-level", "warning",
        "--no-server-header",  # json-comp counts every byte of the headers
    ]  # fmt: skip
    if tls is not None:
        arguments += ["--ssl-certfile", tls[0], "--ssl-keyfile", tls[1]]
    return arguments


def plan(workers: int) -> list[list[str]]:
    """The commands of the servers to start (the TLS ones only with certificates)."""
    tls = certificates()
    if tls is None:
        print("launcher: no TLS_CERT/TLS_KEY files: serving without TLS", file=sys.stderr)
    return [
        command(listener, workers, tls if listener.tls else None)
        for listener in LISTENERS
        if tls is not None or not listener.tls
    ]


def shared_cache_file() -> str:
    directory = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    descriptor, path = tempfile.mkstemp(prefix="httparena-cache-", dir=directory)
    os.close(descriptor)
    return create_table_file(path)


class Servers:
    """The servers; ``stop`` is idempotent and safe from a signal handler."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.stopping = False

    def start(self, commands: Sequence[list[str]], environment: dict[str, str]) -> None:
        for arguments in commands:
            if self.stopping:  # a signal came while starting: start no more
                return
            self.processes.append(subprocess.Popen(arguments, env=environment))

    def stop(self, *_: object) -> None:
        self.stopping = True
        for process in self.processes:
            if process.poll() is None:
                process.terminate()

    def wait(self) -> int:
        """Until a signal stops them all (0) or one server exits on its own (1)."""
        while not self.stopping and all(process.poll() is None for process in self.processes):
            time.sleep(0.2)
        failed = not self.stopping
        self.stop()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return 1 if failed else 0


def main() -> None:
    workers = worker_count()
    cache_file = shared_cache_file()
    environment = {**os.environ, "WRK_COUNT": str(workers), "HTTPARENA_CACHE_FILE": cache_file}
    servers = Servers()
    signal.signal(signal.SIGTERM, servers.stop)
    signal.signal(signal.SIGINT, servers.stop)
    try:
        servers.start(plan(workers), environment)
        code = servers.wait()
    finally:
        os.unlink(cache_file)
    sys.exit(code)


if __name__ == "__main__":
    main()
