"""Running one --h2 entry: start it pinned to a CPU, check one answer to each request with
curl over HTTP/2, then load it with h2load on the other CPU, request by request."""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench import h2_load
from bench.h2_entries import TLS, H2Entry
from bench.profiles import PROFILES, Profile
from bench.runner import Options, cpu_seconds, exit_reason, free_port, peak_rss_mib
from bench.runner import running as running_server
from bench.ws_runner import wait_for_port

PROFILE = PROFILES["h2"]


@dataclass(frozen=True)
class H2Request:
    """One of the requests the profile loads each entry with."""

    label: str
    profile: Profile  # its method, path, body and the check of its answer

    @property
    def headers(self) -> dict[str, str]:
        return {"content-type": "application/json"} if self.profile.body else {}


REQUESTS = (
    H2Request("GET /baseline?a=1&b=2", PROFILES["query"]),
    H2Request("POST /user", PROFILES["post-user"]),
)


@dataclass
class H2Run:
    """One request's rounds against one entry."""

    request: str
    requests_per_second: float = 0.0
    p50_us: float = 0.0
    p99_us: float = 0.0
    cpu_us_per_request: float = 0.0
    rounds: list[float] = field(default_factory=list)


@dataclass
class H2Result:
    name: str
    transport: str
    squall: bool
    status: str  # "ok", "n/a: ...", "failed: ...", "skipped: ..."
    runs: list[H2Run] = field(default_factory=list)
    peak_rss_mib: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.transport})"

    def run(self, request: str) -> H2Run | None:
        return next((r for r in self.runs if r.request == request), None)


def base_url(entry: H2Entry, port: int) -> str:
    return f"{'https' if entry.transport == TLS else 'http'}://127.0.0.1:{port}"


def curl_command(url: str, request: H2Request, files: dict[str, str]) -> list[str]:
    """curl speaking HTTP/2 only (prior knowledge in cleartext, ALPN over TLS)."""
    line = ["curl", "-sS", "--max-time", "10", "-X", request.profile.method]
    if url.startswith("https"):
        line += ["--http2", "--cacert", files["cafile"]]
    else:
        line += ["--http2-prior-knowledge"]
    for name, value in request.headers.items():
        line += ["-H", f"{name}: {value}"]
    if request.profile.body:
        line += ["--data-binary", request.profile.body.decode()]
    meta = '\n{"version": "%{http_version}", "status": %{http_code}, "type": "%{content_type}"}'
    return [*line, "-w", meta, url + request.profile.path]


def check_answer(url: str, request: H2Request, files: dict[str, str]) -> str:
    """ "ok" or "failed: " and what was wrong with one answer to ``request``."""
    done = subprocess.run(curl_command(url, request, files), capture_output=True, timeout=30)
    if done.returncode != 0:
        return f"failed: curl exited with {done.returncode}: {done.stderr.decode()[-200:]}"
    body, _, meta_line = done.stdout.rpartition(b"\n")
    meta = json.loads(meta_line)
    if meta["version"] != "2":
        return f"failed: answered over HTTP/{meta['version']}, not HTTP/2"
    try:
        right = meta["status"] == 200 and request.profile.check(body)
    except (ValueError, TypeError, KeyError, IndexError):
        right = False
    if not right or not meta["type"].startswith("application/json"):
        return f"failed: {request.label}: status {meta['status']}, body {body[:80]!r}"
    return "ok"


def load_rounds(url: str, request: H2Request, options: Options, pid: int, scratch: Path) -> H2Run:
    """Warm-up, then the measured rounds; the median round is kept."""
    body = None
    if request.profile.body:
        body = scratch / "body"
        body.write_bytes(request.profile.body)
    target, log = url + request.profile.path, scratch / "h2load.log"

    def once(seconds: float) -> h2_load.H2LoadReport:
        return h2_load.run(target, seconds, log, options.client_cpu, body, request.headers)

    if options.warmup > 0:
        once(options.warmup)
    reports, cpu_us = [], []
    for _ in range(options.rounds):
        before = cpu_seconds(pid)
        report = once(options.seconds)
        cpu_us.append((cpu_seconds(pid) - before) / report.done * 1e6)
        reports.append(report)
    middle = sorted(reports, key=lambda r: r.requests_per_second)[len(reports) // 2]
    return H2Run(
        request.label,
        requests_per_second=middle.requests_per_second,
        p50_us=middle.p50_us,
        p99_us=middle.p99_us,
        cpu_us_per_request=statistics.median(cpu_us),
        rounds=[r.requests_per_second for r in reports],
    )


def measure_h2(entry: H2Entry, options: Options, scratch: Path) -> H2Result:
    def result(status: str) -> H2Result:
        return H2Result(entry.name, entry.transport, entry.squall, status)

    server = entry.entry
    if server is None:
        return result(f"n/a: {entry.why_not}")
    missing = server.missing(options.python)
    if missing:
        return result(f"skipped: {', '.join(missing)} not installed")
    port = free_port()
    url = base_url(entry, port)
    with running_server(server, options, port, PROFILE) as proc:
        if not wait_for_port(port, proc):
            return result(exit_reason(proc))
        done = result("ok")
        for request in REQUESTS:
            status = check_answer(url, request, options.files)
            if status != "ok":
                return result(status)
            try:
                done.runs.append(load_rounds(url, request, options, proc.pid, scratch))
            except h2_load.H2LoadError as error:
                return result(f"failed: {request.label}: {error}")
        if proc.poll() is not None:
            return result(exit_reason(proc))
        done.peak_rss_mib = peak_rss_mib(proc.pid)
        return done


def progress(result: H2Result) -> str:
    rates = ", ".join(f"{r.request} {r.requests_per_second:,.0f} req/s" for r in result.runs)
    return f"  {result.status} {rates}"
