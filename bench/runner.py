"""Running one entry: start it pinned to a CPU, check its answer, load it with wrk, measure."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import wrk
from bench.entries import Entry
from bench.profiles import PROFILES, Profile

REPO = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Options:
    python: str
    seconds: float = 5.0
    warmup: float = 2.0
    rounds: int = 3
    connections: int = 10
    server_cpu: str | None = "0"
    client_cpu: str | None = "1"


@dataclass
class Result:
    name: str
    squall: bool
    status: str  # "ok", "failed: ...", "skipped: ..."
    requests_per_second: float = 0.0
    p50_us: float = 0.0
    p99_us: float = 0.0
    cpu_us_per_request: float = 0.0
    peak_rss_mib: float = 0.0
    rounds: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (granian serves from a child process)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process tree (all threads)."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = _stat(member)
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float:
    """The peak resident memory of a process tree, summed over its processes."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return total / 1024


@contextlib.contextmanager
def running(
    entry: Entry, options: Options, port: int, profile: Profile
) -> Iterator[subprocess.Popen[bytes]]:
    command = entry.command(options.python, port, profile.many_routes)
    if options.server_cpu is not None:
        command = ["taskset", "-c", options.server_cpu, *command]
    proc = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        if proc.stderr:
            proc.stderr.close()


def server_pid(proc: subprocess.Popen[bytes]) -> int:
    """The server's own pid: taskset execs the command, so it is the child's pid."""
    return proc.pid


def check_answer(
    port: int, proc: subprocess.Popen[bytes], profile: Profile, limit: float = 20
) -> str:
    """Send the profile's request until the server answers; "ok" or why the answer is wrong."""
    deadline = time.monotonic() + limit
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{profile.path}",
        data=profile.body or None,
        headers={"content-type": "application/json"},
        method=profile.method,
    )
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            return f"failed: exited with {proc.returncode}: {error.strip()[-300:]}"
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                status, body = response.status, response.read()
        except OSError:
            time.sleep(0.1)
            continue
        if status != 200:
            return f"failed: status {status}"
        try:
            right = profile.check(body)
        except (ValueError, TypeError, KeyError, IndexError):
            right = False
        return "ok" if right else f"failed: wrong body {body[:80]!r}"
    return "failed: never answered"


def measure(
    entry: Entry, options: Options, script: Path, profile: Profile = PROFILES["post-user"]
) -> Result:
    if not entry.supports(profile.name):
        what = "1,000-routes variant" if profile.many_routes else f"{profile.name} endpoint"
        return Result(entry.name, entry.squall, f"skipped: its app has no {what}")
    missing = entry.missing(options.python)
    if missing:
        return Result(entry.name, entry.squall, f"skipped: {', '.join(missing)} not installed")
    port = free_port()
    url = f"http://127.0.0.1:{port}{profile.path}"
    connections = profile.connections or options.connections
    with running(entry, options, port, profile) as proc:
        status = check_answer(port, proc, profile)
        if status != "ok":
            return Result(entry.name, entry.squall, status)
        pid = server_pid(proc)
        if options.warmup > 0:
            wrk.run(url, script, options.warmup, connections, options.client_cpu)
        reports, cpu = [], []
        for _ in range(options.rounds):
            before = cpu_seconds(pid)
            report = wrk.run(url, script, options.seconds, connections, options.client_cpu)
            used = cpu_seconds(pid) - before
            if report.errors:
                return Result(
                    entry.name, entry.squall, f"failed: {report.errors} errors under load"
                )
            reports.append(report)
            cpu.append(used / max(report.requests, 1) * 1e6)
        middle = sorted(reports, key=lambda r: r.requests_per_second)[len(reports) // 2]
        return Result(
            entry.name,
            entry.squall,
            "ok",
            requests_per_second=middle.requests_per_second,
            p50_us=middle.p50_us,
            p99_us=middle.p99_us,
            cpu_us_per_request=statistics.median(cpu),
            peak_rss_mib=peak_rss_mib(pid),
            rounds=[r.requests_per_second for r in reports],
        )
