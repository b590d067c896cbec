"""Start the FastAPI twin as HttpArena's Python entries start: uvicorn --workers N on two ports.

PORT (8080) serves plain HTTP/1.1; H1TLS_PORT (8081) HTTP/1.1 over TLS, when TLS_CERT and TLS_KEY
exist.  Workers: the CPUs of this process's affinity mask (1..128), given to the app as WRK_COUNT.
SIGTERM or SIGINT stops both servers; so does either of them exiting.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Final

MAX_WORKERS: Final = 128


def worker_count() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS))


def uvicorn(port: str, workers: int, tls: tuple[str, str] | None) -> list[str]:
    command = [
        sys.executable, "-m", "uvicorn", "app:app",
        "--host", os.environ.get("HOST", "0.0.0.0"), "--port", port,
        "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
        "--no-access-log", "--log-level", "warning", "--backlog", "8192",
    ]  # fmt: skip
    if tls is not None:
        command += ["--ssl-certfile", tls[0], "--ssl-keyfile", tls[1]]
    return command


def main() -> None:
    workers = worker_count()
    cert = os.environ.get("TLS_CERT", "/certs/server.crt")
    key = os.environ.get("TLS_KEY", "/certs/server.key")
    commands = [uvicorn(os.environ.get("PORT", "8080"), workers, None)]
    if os.path.isfile(cert) and os.path.isfile(key):
        commands.append(uvicorn(os.environ.get("H1TLS_PORT", "8081"), workers, (cert, key)))
    environment = {**os.environ, "WRK_COUNT": str(workers)}
    here = os.path.dirname(os.path.abspath(__file__))
    servers = [subprocess.Popen(command, env=environment, cwd=here) for command in commands]
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    while not stopping and all(server.poll() is None for server in servers):
        time.sleep(0.2)
    for server in servers:
        if server.poll() is None:
            server.terminate()
    sys.exit(max(server.wait() for server in servers) if not stopping else 0)


if __name__ == "__main__":
    main()
