"""Slow and hostile clients against Squall and uvicorn, side by side (not run in CI).

For each server, the same app (bench/apps/slow_target.py) is attacked at once by idle
connections that say nothing, slowloris (a request head that never ends, one header line per
interval), slow bodies (a declared body sent a byte per interval) and slow readers (a small
receive window, pipelined requests for a 1 MiB answer, a few bytes read per interval).  A
probe process asks for a page on a new connection ten times a second throughout.  Reported
per server: the probe's success rate and latency (p50, p99), the server's RSS before and at
its peak, and how many attackers of each kind the server closed before the run ended.

    python -m bench.slow_clients [--idle 10000] [--attackers 200] [--seconds 60]
                                 [--timeout 10] [--servers squall uvicorn]

Squall runs with --timeout-headers/--timeout-body/--timeout-write set to ``--timeout``;
uvicorn with its defaults (it has no such timeouts).  Results go to
bench/results/latest-slow-clients.md (and .json).  Keep runs short on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

APP = "bench.apps.slow_target:app"
REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
KINDS = ("idle", "slowloris", "slow-body", "slow-read")
OPENING_BATCH = 500  # connections opened at once (the listen backlog takes the rest)
PROBE_TIMEOUT = 5.0


def squall_command(port: int, timeout: float) -> list[str]:
    seconds = str(timeout)
    return [
        *("-m", "squall", APP, "--port", str(port), "--no-access-log", "--backlog", "16384"),
        *("--timeout-headers", seconds, "--timeout-body", seconds, "--timeout-write", seconds),
    ]


def uvicorn_command(port: int, timeout: float) -> list[str]:
    return ["-m", "uvicorn", APP, "--port", str(port), "--no-access-log", "--backlog", "16384"]


SERVERS: dict[str, Callable[[int, float], list[str]]] = {
    "squall": squall_command,
    "uvicorn": uvicorn_command,
}


@dataclass
class Tally:
    """What happened to one kind of attacker."""

    opened: int = 0
    refused: int = 0
    closed_by_server: int = 0


@dataclass
class Outcome:
    server: str
    probes: int = 0
    probe_failures: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    rss_before_kib: int = 0
    rss_peak_kib: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- The server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_for_port(port: int, proc: subprocess.Popen[bytes], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# -- The probe --------------------------------------------------------------------------------


def probe_once(port: int) -> float:
    """Milliseconds a new client waits for a complete 200."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT) as sock:
        sock.sendall(b"GET /probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while data := sock.recv(65536):
            answer += data
    if not answer.startswith(b"HTTP/1.1 200 "):
        raise ConnectionError(f"not a 200: {answer[:40]!r}")
    return (time.perf_counter() - started) * 1000


def probe_and_sample(port: int, pid: int, stop: Event, results: Connection) -> None:
    """Probe ten times a second and sample the server's RSS until ``stop``; send back
    (latencies, failures, peak RSS).  A process of its own: the attackers' loop in this one
    must not delay it."""
    latencies: list[float] = []
    failures = 0
    peak = 0
    while not stop.is_set():
        try:
            latencies.append(probe_once(port))
        except OSError:
            failures += 1
        with contextlib.suppress(OSError):
            peak = max(peak, rss_kib(pid))
        stop.wait(0.1)
    results.send((latencies, failures, peak))


# -- The attackers ----------------------------------------------------------------------------


async def open_socket(port: int, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if receive_buffer is not None:  # before connecting: it sets the window offered
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    try:
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


async def closed_within(sock: socket.socket, seconds: float, read_size: int) -> bool:
    """Wait ``seconds`` reading at most ``read_size`` bytes: has the server closed ``sock``?"""
    loop = asyncio.get_running_loop()
    if read_size < 1024:  # a slow reader: a few bytes, then a nap
        await asyncio.sleep(seconds)
        if peer_closed(sock):  # what it has yet to read would hide the close for minutes
            return True
        try:
            return not sock.recv(read_size)
        except BlockingIOError:
            return False
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            data = await asyncio.wait_for(loop.sock_recv(sock, read_size), left)
        except TimeoutError:
            return False
        if not data:
            return True
    return False


TCP_CLOSE = 7  # tcpi_state (Linux's include/net/tcp_states.h): reset
TCP_CLOSE_WAIT = 8  # the peer sent its FIN


def peer_closed(sock: socket.socket) -> bool:
    """The server has reset or closed ``sock``, whatever is still unread in it."""
    state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    return state in (TCP_CLOSE, TCP_CLOSE_WAIT)


FIRST_BYTES = {
    "idle": b"",
    "slowloris": b"GET / HTTP/1.1\r\nHost: x\r\n",
    "slow-body": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nb",
    "slow-read": b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n" * 4,
}
FOLLOW_UP = {"idle": b"", "slowloris": b"X-a: b\r\n", "slow-body": b"b", "slow-read": b""}


async def attack(kind: str, port: int, until: float, interval: float, tally: Tally) -> None:
    """Hold a connection of ``kind`` until ``until``; when the server closes it, reconnect
    (as real attackers do, so the pressure lasts the whole run)."""
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        try:
            sock = await open_socket(port, 4096 if kind == "slow-read" else None)
        except OSError:
            tally.refused += 1
            await asyncio.sleep(interval)
            continue
        tally.opened += 1
        try:
            if await held_until_closed(kind, sock, until, interval):
                tally.closed_by_server += 1
        finally:
            sock.close()


async def held_until_closed(kind: str, sock: socket.socket, until: float, interval: float) -> bool:
    """Play ``kind`` on ``sock`` until ``until``: True if the server closed it first."""
    loop = asyncio.get_running_loop()
    read_size = 16 if kind == "slow-read" else 65536
    try:
        if FIRST_BYTES[kind]:
            await loop.sock_sendall(sock, FIRST_BYTES[kind])
        while loop.time() < until:
            if await closed_within(sock, min(interval, until - loop.time()), read_size):
                return True
            if FOLLOW_UP[kind]:
                await loop.sock_sendall(sock, FOLLOW_UP[kind])
    except OSError:  # reset, or a send to a closed connection
        return True
    return False


async def run_attack(
    port: int, idle: int, attackers: int, seconds: float, interval: float
) -> dict[str, Tally]:
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    tallies = {kind: Tally() for kind in KINDS}
    counts = {"idle": idle, **{kind: attackers for kind in KINDS[1:]}}
    plan = [kind for kind in KINDS for _ in range(counts[kind])]
    tasks: list[asyncio.Task[None]] = []
    for start in range(0, len(plan), OPENING_BATCH):
        for kind in plan[start : start + OPENING_BATCH]:
            tasks.append(loop.create_task(attack(kind, port, until, interval, tallies[kind])))
        await asyncio.sleep(0.05)  # let this batch connect before the next
    await asyncio.gather(*tasks)
    return tallies


def measure(
    server: str, idle: int, attackers: int, seconds: float, timeout: float, interval: float
) -> Outcome:
    port = free_port()
    command = [sys.executable, *SERVERS[server](port, timeout)]
    outcome = Outcome(server)
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        probe_once(port)  # warm up
        outcome.rss_before_kib = outcome.rss_peak_kib = rss_kib(proc.pid)
        stop = multiprocessing.Event()
        receiving, sending = multiprocessing.Pipe(duplex=False)
        prober = multiprocessing.Process(
            target=probe_and_sample, args=(port, proc.pid, stop, sending), daemon=True
        )
        prober.start()
        try:
            outcome.tallies = asyncio.run(run_attack(port, idle, attackers, seconds, interval))
        finally:
            stop.set()
            latencies, failures, peak = receiving.recv()
            prober.join(PROBE_TIMEOUT * 2)
        outcome.latencies_ms = latencies
        outcome.probes = len(latencies) + failures
        outcome.probe_failures = failures
        outcome.rss_peak_kib = max(outcome.rss_peak_kib, peak)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return outcome


# -- The report -------------------------------------------------------------------------------


def markdown(outcomes: list[Outcome], options: argparse.Namespace) -> str:
    lines = [
        "# Slow and hostile clients",
        "",
        f"{options.idle} idle connections and {options.attackers} attackers of each kind "
        f"(interval {options.interval} s) for {options.seconds} s; a probe asks for a page on "
        f"a new connection ten times a second.  Squall's timeouts: {options.timeout} s "
        "(headers, body, write); uvicorn: its defaults.  `python -m bench.slow_clients`.",
        "",
        "| server | probes | answered | p50 ms | p99 ms | RSS before | RSS peak | "
        + " | ".join(f"{kind} closed" for kind in KINDS)
        + " |",
        "|---" * (7 + len(KINDS)) + "|",
    ]
    for outcome in outcomes:
        answered = 100 * (outcome.probes - outcome.probe_failures) / max(1, outcome.probes)
        closed = [
            f"{outcome.tallies[kind].closed_by_server}/{outcome.tallies[kind].opened}"
            for kind in KINDS
        ]
        lines.append(
            f"| {outcome.server} | {outcome.probes} | {answered:.1f}% "
            f"| {outcome.percentile(0.5):.1f} | {outcome.percentile(0.99):.1f} "
            f"| {outcome.rss_before_kib / 1024:.1f} MiB | {outcome.rss_peak_kib / 1024:.1f} MiB "
            f"| {' | '.join(closed)} |"
        )
    lines += [
        "",
        "*closed*: connections the server closed (or reset) before the run ended, of those "
        "opened (an attacker whose connection is closed opens another).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=10000, help="idle connections (10000)")
    parser.add_argument("--attackers", type=int, default=200, help="of each kind (200)")
    parser.add_argument("--seconds", type=float, default=60, help="attack length (60)")
    parser.add_argument("--timeout", type=float, default=10, help="Squall's timeouts (10)")
    parser.add_argument("--interval", type=float, default=5, help="attackers' pace (5)")
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=list(SERVERS))
    parser.add_argument("--output", type=Path, default=RESULTS / "latest-slow-clients.md")
    options = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    outcomes = []
    for server in options.servers:
        print(f"{server}: attacking for {options.seconds} s", flush=True)
        outcomes.append(
            measure(
                server,
                options.idle,
                options.attackers,
                options.seconds,
                options.timeout,
                options.interval,
            )
        )
    report = markdown(outcomes, options)
    print(report)
    options.output.write_text(report)
    options.output.with_suffix(".json").write_text(
        json.dumps([asdict(outcome) | {"latencies_ms": None} for outcome in outcomes], indent=1)
    )


if __name__ == "__main__":
    main()
