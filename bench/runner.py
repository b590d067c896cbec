"""Running one entry: start it pinned to a CPU, check its answer, load it with wrk, measure."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import ssl
import statistics
import subprocess
import tempfile
import time
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
    files: dict[str, str] = field(default_factory=dict)  # certfile, keyfile, cafile (TLS)


@dataclass
class Result:
    name: str
    squall: bool
    status: str  # "ok", "failed: ...", "skipped: ..."
    requests_per_second: float = 0.0
    p50_us: float | None = 0.0  # None: not measurable (wrk's histogram breaks when pipelined)
    p99_us: float | None = 0.0
    cpu_us_per_request: float = 0.0
    peak_rss_mib: float = 0.0
    rounds: list[float] = field(default_factory=list)
    served_per_worker: list[int] = field(default_factory=list)  # the workers profile's spread
    bytes_per_response: float = 0.0  # head and body on the wire (--json-comp)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def spread(self) -> float | None:
        """Requests served by the busiest worker over the idlest (inf: one served none)."""
        served = self.served_per_worker
        if not served:
            return None
        return max(served) / min(served) if min(served) else float("inf")


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
    entry: Entry, options: Options, port: int, profile: Profile, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """The entry's server, in its own process group, killed (group and all) on the way out.

    Its stderr goes to a file, not a pipe: a chatty server must never block on a full pipe.
    """
    command = entry.command(options.python, port, profile.many_routes, options.files)
    if options.server_cpu is not None:
        command = ["taskset", "-c", options.server_cpu, *command]
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        proc.stderr = stderr  # type: ignore[assignment]  # read back by exit_reason()
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
            proc.stderr = None


def exit_reason(proc: subprocess.Popen[bytes]) -> str:
    """Why a server that is no longer running stopped: its exit code and last stderr lines."""
    error = ""
    if proc.stderr is not None:
        proc.stderr.seek(0)
        error = proc.stderr.read().decode(errors="replace").strip()[-300:]
    return f"failed: exited with {proc.returncode}: {error}"


def wrong_answer(profile: Profile, status: int, content_type: str, body: bytes) -> str | None:
    """What is wrong with a response to the profile's request, or None when it is right."""
    if status != 200:
        return f"status {status}"
    if not content_type.startswith(profile.media_type):
        return f"content-type {content_type!r}"
    try:
        right = profile.check(body)
    except (ValueError, TypeError, KeyError, IndexError):
        right = False
    return None if right else f"wrong body {body[:80]!r}"


def check_answer(
    port: int,
    proc: subprocess.Popen[bytes],
    profile: Profile,
    limit: float = 20,
    cafile: str | None = None,
) -> str:
    """Send the profile's request until the server answers; "ok" or why the answer is wrong.

    On a keep-alive connection, as wrk sends it (fastpysgi 0.6 stops serving concurrent
    connections after answering one ``Connection: close`` request, as urllib sends)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return exit_reason(proc)
        connection: http.client.HTTPConnection
        if profile.tls:
            context = ssl.create_default_context(cafile=cafile)
            connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=2, context=context)
        else:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request(
                profile.method,
                profile.path,
                body=profile.body or None,
                headers=profile.request_headers,
            )
            response = connection.getresponse()
            answer = response.status, response.getheader("content-type", ""), response.read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
            continue
        finally:
            connection.close()
        wrong = wrong_answer(profile, *answer)
        return f"failed: {wrong}" if wrong else "ok"
    return "failed: never answered"


@dataclass
class Load:
    """What the measured rounds of one entry produced."""

    reports: list[wrk.WrkReport] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)  # server CPU per request, each round

    def result(self, entry: Entry, profile: Profile, pid: int) -> Result:
        middle = sorted(self.reports, key=lambda r: r.requests_per_second)[len(self.reports) // 2]
        latency = profile.pipeline == 1  # wrk times a whole pipelined batch, and badly
        return Result(
            entry.name,
            entry.squall,
            "ok",
            requests_per_second=middle.requests_per_second,
            p50_us=middle.p50_us if latency else None,
            p99_us=middle.p99_us if latency else None,
            cpu_us_per_request=statistics.median(self.cpu_us),
            peak_rss_mib=peak_rss_mib(pid),
            rounds=[r.requests_per_second for r in self.reports],
            bytes_per_response=middle.bytes_read / middle.requests if middle.requests else 0.0,
        )


def load(url: str, script: Path, options: Options, connections: int, pid: int) -> Load:
    """Warm up, then the measured rounds; raises wrk.WrkError when wrk or the server fails."""
    if options.warmup > 0:
        wrk.run(url, script, options.warmup, connections, options.client_cpu)
    done = Load()
    for _ in range(options.rounds):
        before = cpu_seconds(pid)
        report = wrk.run(url, script, options.seconds, connections, options.client_cpu)
        used = cpu_seconds(pid) - before
        if report.errors:
            raise wrk.WrkError(f"{report.errors} errors under load")
        if report.requests == 0:
            raise wrk.WrkError("no request answered under load")
        done.reports.append(report)
        done.cpu_us.append(used / report.requests * 1e6)
    return done


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
    url = f"{profile.scheme}://127.0.0.1:{port}{profile.path}"
    connections = profile.connections or options.connections
    static_env = {"BENCH_STATIC_DIR": options.files["static"]} if profile.static else {}
    with (
        tempfile.TemporaryDirectory() as counts,
        running(entry, options, port, profile, {"BENCH_COUNT_DIR": counts, **static_env}) as proc,
    ):
        status = check_answer(port, proc, profile, cafile=options.files.get("cafile"))
        if status != "ok":
            return Result(entry.name, entry.squall, status)
        try:
            # taskset execs the server, so proc.pid is the server's own pid
            done = load(url, script, options, connections, proc.pid)
        except wrk.WrkError as error:
            return Result(entry.name, entry.squall, f"failed: {error}")
        if proc.poll() is not None:
            return Result(entry.name, entry.squall, exit_reason(proc))
        result = done.result(entry, profile, proc.pid)
        if profile.workers:
            result.served_per_worker = served_per_worker(counts, profile.workers)
        return result


def served_per_worker(directory: str, workers: int) -> list[int]:
    """Requests each worker served (the counting app's files), busiest first; a worker that
    served none counts as 0."""
    from bench.apps.counting_asgi import served_per_process

    served = sorted(served_per_process(directory).values(), reverse=True)
    return served + [0] * (workers - len(served))
