"""A crowd of connections at once against ``squall --workers N``: time to first byte, split.

For each number of workers and of connections, starts the raw ASGI app on a fresh server,
opens every connection at once with one request each (``bench/burst_client.py``: HTTP/1.1,
h2c with prior knowledge, or HTTP/1.1 over TLS), and prints the time-to-first-byte
percentiles (from each connection's connect) and how many requests each worker served (its
exit log line).  Short runs only: this measures how fast a burst is accepted, not req/s.

    python -m bench.accept_burst --workers 1 2 --connections 1000 4000 [--wire h2c|tls] --rounds 3
"""

from __future__ import annotations

import argparse
import re
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.burst_client import H2c, Http1, Stage, Wire, burst
from bench.workers_spread import APP, REPO, free_port, served_per_worker

WIRES: dict[str, Wire] = {"h1": Http1(), "h2c": H2c(), "tls": Http1()}
BACKLOG = 4096  # the kernel's somaxconn here: the whole burst fits in the listen queue


@dataclass
class Result:
    answered: int
    failed: int
    ttfb_ms: list[float]  # sorted
    per_worker: list[int]

    def percentile(self, q: float) -> float:
        if not self.ttfb_ms:
            return float("nan")
        return self.ttfb_ms[min(len(self.ttfb_ms) - 1, int(q * len(self.ttfb_ms)))]

    @property
    def spread(self) -> float:
        served = self.per_worker
        return max(served) / max(1, min(served)) if served else float("nan")


def server_command(port: int, workers: int, certificates: dict[str, str] | None) -> list[str]:
    command = [sys.executable, "-m", "squall", APP, "--port", str(port), "--no-access-log"]
    command += ["--workers", str(workers), "--backlog", str(BACKLOG)]
    if certificates is not None:
        command += ["--ssl-certfile", certificates["certfile"]]
        command += ["--ssl-keyfile", certificates["keyfile"]]
    return command


def wait_until_serving(log_path: Path, workers: int, limit: float = 30) -> None:
    """Every worker ready (a single process: its 'running on' line)."""
    pattern = r"worker \[\d+\] ready" if workers > 1 else r"Squall running on"
    deadline = time.monotonic() + limit
    while len(re.findall(pattern, log_path.read_text())) < workers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{workers} workers did not start:\n{log_path.read_text()}")
        time.sleep(0.05)


def tls_client(certificates: dict[str, str] | None) -> ssl.SSLContext | None:
    if certificates is None:
        return None
    context = ssl.create_default_context(cafile=certificates["cafile"])
    context.set_alpn_protocols(["http/1.1"])
    return context


def measure(workers: int, connections: int, wire: str, tmp: Path) -> Result:
    """One fresh server, one burst; then the server stops and says what each worker served."""
    certificates = None
    if wire == "tls":
        from bench.certificates import make_certificates

        certificates = make_certificates(tmp)
    port = free_port()
    log_path = tmp / f"squall-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            server_command(port, workers, certificates), cwd=REPO, stdout=log, stderr=log
        )
    try:
        wait_until_serving(log_path, workers)
        exchanges = burst(port, connections, WIRES[wire], tls_client(certificates))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    done = [e for e in exchanges if e.stage is Stage.DONE]
    waits = sorted(1000 * e.time_to_first_byte for e in done if e.time_to_first_byte is not None)
    served = served_per_worker(log_path.read_text()) if workers > 1 else [len(done)]
    return Result(len(done), len(exchanges) - len(done), waits, sorted(served))


def report(label: str, result: Result) -> str:
    return (
        f"{label}  answered {result.answered} failed {result.failed}  "
        f"ttfb ms p50 {result.percentile(0.5):7.1f} p90 {result.percentile(0.9):7.1f} "
        f"p99 {result.percentile(0.99):7.1f} max {result.percentile(1.0):7.1f}  "
        f"per worker {result.per_worker} max/min {result.spread:.2f}"
    )


def rounds(workers: int, connections: int, wire: str, count: int) -> None:
    """``count`` bursts, each on a fresh server; then the medians."""
    results = []
    for number in range(1, count + 1):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(measure(workers, connections, wire, Path(tmp)))
        label = f"{wire} {connections} connections, {workers} workers, #{number}"
        print(report(label, results[-1]), flush=True)
    p50 = statistics.median(r.percentile(0.5) for r in results)
    p99 = statistics.median(r.percentile(0.99) for r in results)
    spread = statistics.median(r.spread for r in results)
    print(
        f"== {wire} {connections} connections, {workers} workers: median of {count} rounds: "
        f"ttfb p50 {p50:.1f} ms, p99 {p99:.1f} ms, max/min {spread:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--wire", choices=list(WIRES), default="h1")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for connections in args.connections:
        for workers in args.workers:
            rounds(workers, connections, args.wire, args.rounds)


if __name__ == "__main__":
    main()
