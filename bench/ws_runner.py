"""Running one --ws-echo entry: start it pinned to a CPU, check its echo, hold idle sockets
(server memory per socket), then load it with bench/ws_load.py on the other CPU."""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench.entries import Entry
from bench.profiles import PROFILES
from bench.runner import Options, cpu_seconds, exit_reason, free_port, peak_rss_mib, process_tree
from bench.runner import running as running_server

REPO = Path(__file__).resolve().parent.parent
PROFILE = PROFILES["ws-echo"]
OPEN_TIMEOUT = 180.0  # 10,000 handshakes on a busy machine
IDLE_SETTLE = 0.5  # seconds between the last handshake and reading the server's memory


@dataclass
class WsSettings:
    connections: int = 512  # HttpArena's smallest echo-ws count
    idle_sockets: int = 10_000  # 0: no memory figure
    messages: tuple[tuple[str, int], ...] = (("text", 5), ("binary", 16 * 1024))


@dataclass
class EchoRun:
    """One message shape's rounds against one entry."""

    kind: str
    size: int
    messages_per_second: float = 0.0
    p50_us: float = 0.0
    p99_us: float = 0.0
    cpu_us_per_message: float = 0.0
    client_cpu_share: float = 0.0  # the load generator's CPU time over the round's: near 1,
    # the client may be what limits the rate
    rounds: list[float] = field(default_factory=list)


@dataclass
class WsResult:
    name: str
    squall: bool
    status: str  # "ok", "failed: ...", "skipped: ..."
    runs: list[EchoRun] = field(default_factory=list)
    idle_sockets: int = 0
    idle_kib_per_socket: float | None = None
    peak_rss_mib: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def run(self, kind: str) -> EchoRun | None:
        return next((r for r in self.runs if r.kind == kind), None)


class LoadError(RuntimeError):
    """The load generator failed, or the server failed it (a wrong echo, a closed socket)."""


class LoadClient:
    """A running bench/ws_load.py: commands go in on stdin, JSON lines come out."""

    def __init__(self, process: subprocess.Popen[str], errors: IO[bytes]) -> None:
        self.process = process
        self.errors = errors

    def answer(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise LoadError(self.why_silent(ready != []))
        reply: dict[str, Any] = json.loads(line)
        if reply.get("wrong"):
            raise LoadError(f"wrong echo: {reply['wrong']}")
        return reply

    def why_silent(self, exited: bool) -> str:
        if not exited:
            return "the load generator got no answer in time"
        self.process.wait(10)
        self.errors.seek(0)
        tail = self.errors.read().decode(errors="replace").strip().splitlines()[-1:]
        return f"the load generator exited: {' '.join(tail) or self.process.returncode}"

    def command(self, line: str, timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.answer(timeout)


def load_command(options: Options, mode: str, url: str, *args: str) -> list[str]:
    command = [options.python, "-m", "bench.ws_load", mode, url, *args]
    if options.client_cpu is not None:
        command = ["taskset", "-c", options.client_cpu, *command]
    return command


@contextlib.contextmanager
def load_client(options: Options, mode: str, url: str, *args: str) -> Iterator[LoadClient]:
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            load_command(options, mode, url, *args),
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            yield LoadClient(process, errors)
        finally:
            with contextlib.suppress(OSError):
                assert process.stdin is not None
                process.stdin.close()  # the client's "quit"
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()


def wait_for_port(port: int, proc: subprocess.Popen[bytes], limit: float = 20) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def check_echo(options: Options, url: str) -> str:
    """One 5-byte text and one 16 KiB binary echo: "ok", or "failed: " and what was wrong."""
    command = load_command(options, "check", url)
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "failed: the echo check did not finish"
    if done.returncode != 0 or not done.stdout.strip():
        return f"failed: the echo check exited with {done.returncode}: {done.stderr[-200:]}"
    wrong = json.loads(done.stdout)["wrong"]
    return f"failed: wrong echo: {wrong}" if wrong else "ok"


def rss_kib(pid: int) -> int:
    """The resident memory of a process tree now (VmRSS), in KiB."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def open_files(pid: int) -> int:
    """File descriptors a process tree holds (its sockets among them)."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            total += len(os.listdir(f"/proc/{member}/fd"))
    return total


def wait_for_sockets_closed(pid: int, files: int, limit: float = 30) -> None:
    """Until the server holds no more files than ``files`` (give or take a few): the idle
    sockets it is dropping must not cost the first measured round."""
    deadline = time.monotonic() + limit
    while open_files(pid) > files + 8 and time.monotonic() < deadline:
        time.sleep(0.1)


def idle_kib_per_socket(options: Options, url: str, pid: int, sockets: int) -> float:
    """The server's memory growth per idle WebSocket, with ``sockets`` of them open."""
    before, files = rss_kib(pid), open_files(pid)
    with load_client(options, "idle", url, "-c", str(sockets)) as client:
        client.answer(OPEN_TIMEOUT)
        time.sleep(IDLE_SETTLE)
        after = rss_kib(pid)
    wait_for_sockets_closed(pid, files)
    return (after - before) / sockets


def echo_rounds(
    options: Options, url: str, pid: int, connections: int, kind: str, size: int
) -> EchoRun:
    """Warm-up, then the measured rounds of one message shape; the median round is kept."""
    shape = ("-c", str(connections), "--kind", kind, "--size", str(size))
    reports, cpu_us, client_share = [], [], []
    with load_client(options, "echo", url, *shape) as client:
        client.answer(OPEN_TIMEOUT)
        if options.warmup > 0:
            client.command(f"run {options.warmup}", options.warmup + 60)
        for _ in range(options.rounds):
            before, client_before = cpu_seconds(pid), cpu_seconds(client.process.pid)
            report = client.command(f"run {options.seconds}", options.seconds + 60)
            used = cpu_seconds(pid) - before
            client_used = cpu_seconds(client.process.pid) - client_before
            if report["messages"] == 0:
                raise LoadError("no message echoed under load")
            reports.append(report)
            cpu_us.append(used / report["messages_total"] * 1e6)
            client_share.append(client_used / report["seconds"])
    rates = [r["messages"] / r["seconds"] for r in reports]
    middle = sorted(range(len(reports)), key=lambda i: rates[i])[len(reports) // 2]
    return EchoRun(
        kind,
        size,
        messages_per_second=rates[middle],
        p50_us=reports[middle]["p50_us"],
        p99_us=reports[middle]["p99_us"],
        cpu_us_per_message=statistics.median(cpu_us),
        client_cpu_share=statistics.median(client_share),
        rounds=rates,
    )


def measure_ws(entry: Entry, options: Options, settings: WsSettings) -> WsResult:
    if not entry.supports(PROFILE.name):
        return WsResult(entry.name, entry.squall, "skipped: its app has no WebSocket echo")
    missing = entry.missing(options.python)
    if missing:
        return WsResult(entry.name, entry.squall, f"skipped: {', '.join(missing)} not installed")
    port = free_port()
    url = f"ws://127.0.0.1:{port}{PROFILE.path}"
    with running_server(entry, options, port, PROFILE) as proc:
        status = check_echo(options, url) if wait_for_port(port, proc) else exit_reason(proc)
        if status != "ok":
            return WsResult(entry.name, entry.squall, status)
        result = WsResult(entry.name, entry.squall, "ok", idle_sockets=settings.idle_sockets)
        try:
            if settings.idle_sockets:
                result.idle_kib_per_socket = idle_kib_per_socket(
                    options, url, proc.pid, settings.idle_sockets
                )
            for kind, size in settings.messages:
                run = echo_rounds(options, url, proc.pid, settings.connections, kind, size)
                result.runs.append(run)
        except LoadError as error:
            return WsResult(entry.name, entry.squall, f"failed: {error}")
        if proc.poll() is not None:
            return WsResult(entry.name, entry.squall, exit_reason(proc))
        result.peak_rss_mib = peak_rss_mib(proc.pid)
        return result


def progress(result: WsResult) -> str:
    rates = ", ".join(f"{r.kind} {r.messages_per_second:,.0f} msg/s" for r in result.runs)
    idle = result.idle_kib_per_socket
    memory = f", idle {idle:.1f} KiB/socket" if idle is not None else ""
    return f"  {result.status} {rates}{memory}"
