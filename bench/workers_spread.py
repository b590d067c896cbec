"""How evenly ``squall --workers N`` spreads load: shared socket vs ``--reuse-port``.

Runs the raw ASGI app with N workers in each mode under wrk, stops the supervisor, and reads
how many requests each worker served from its exit log line.  Not run in CI (wall-clock):

    python -m bench.workers_spread --workers 2 --seconds 5 --connections 64
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import wrk

APP = "bench.apps.asgi_raw:app"
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def served_per_worker(log: str) -> list[int]:
    return [int(n) for n in re.findall(r"worker \[\d+\] stopped after (\d+) requests", log)]


def wait_for_workers(log_path: Path, workers: int, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while len(re.findall(r"worker \[\d+\] ready", log_path.read_text())) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{workers} workers did not become ready")
        time.sleep(0.05)


def measure(mode: list[str], workers: int, seconds: int, connections: int) -> list[int]:
    port = free_port()
    command = [sys.executable, "-m", "squall", APP, "--port", str(port), "--no-access-log"]
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "squall.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [*command, "--workers", str(workers), *mode], cwd=REPO, stdout=log, stderr=log
            )
        try:
            wait_for_workers(log_path, workers)  # ready: listening, lifespan done
            script = wrk.write_script(Path(tmp), "")
            wrk.run(f"http://127.0.0.1:{port}/", script, seconds, connections, cpu=None)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        return served_per_worker(log_path.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    for name, mode in (("shared socket", ["--no-reuse-port"]), ("reuse-port", ["--reuse-port"])):
        served = measure(mode, args.workers, args.seconds, args.connections)
        ratio = max(served) / max(1, min(served)) if served else float("nan")
        print(f"{name:14} served per worker {sorted(served)}  max/min {ratio:.2f}")


if __name__ == "__main__":
    main()
