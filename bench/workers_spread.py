"""How evenly ``squall --workers N`` spreads load, in each way of accepting connections.

For each mode (balanced: the default; ``--reuse-port``; ``--no-balance``) and each number of
connections, runs the raw ASGI app with N workers under wrk, stops the supervisor, and reads
how many requests each worker served from its exit log line.  Modes alternate within a
round, so a noisy machine hurts them alike.  Not run in CI (wall-clock):

    python -m bench.workers_spread --workers 2 --seconds 5 --connections 8 10 64 [--close]

``--close`` sends ``Connection: close`` on every request: one connection per request, which
measures what accepting costs in each mode.
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
MODES = {
    "balanced": ["--balance"],
    "reuse-port": ["--reuse-port"],
    "shared": ["--no-balance"],
}
CLOSE_SCRIPT = 'wrk.headers["Connection"] = "close"\n'


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


def measure(
    mode: list[str], workers: int, seconds: int, connections: int, close: bool
) -> tuple[list[int], float]:
    """Requests served by each worker, and wrk's requests per second."""
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
            script = wrk.write_script(Path(tmp), CLOSE_SCRIPT if close else "")
            url = f"http://127.0.0.1:{port}/"
            report = wrk.run(url, script, seconds, connections, cpu=None)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        return served_per_worker(log_path.read_text()), report.requests_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 10, 64])
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--close", action="store_true", help="Connection: close per request")
    args = parser.parse_args()
    for round_number in range(args.rounds):
        for connections in args.connections:
            for name in args.modes:
                served, rps = measure(
                    MODES[name], args.workers, args.seconds, connections, args.close
                )
                ratio = max(served) / max(1, min(served)) if served else float("nan")
                print(
                    f"round {round_number + 1}  {connections:3} connections  {name:10}  "
                    f"served per worker {sorted(served)}  max/min {ratio:.2f}  "
                    f"{rps:9.0f} req/s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
