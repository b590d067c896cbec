"""``python -m bench --upload-stream``: 100 MiB multipart uploads taken as ``UploadFile``.

Each entry's server gets ``--connections`` (2) uploads at a time, back to back, for
``--seconds`` per round (every connection finishes at least one); the table gives the MB/s
of file data received, the server's resident memory after a warm-up upload and its peak
(VmHWM) over the run.  The client (bench/upload_client.py) sends each file from one 256 KiB
buffer, so it costs little CPU and no memory.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import report
from bench.entries import SQUALL_FLAGS, UVICORN_FLAGS, Entry
from bench.profiles import PROFILES
from bench.runner import Options, exit_reason, free_port, peak_rss_mib, running
from bench.upload_client import answered_right, upload
from bench.ws_runner import rss_kib, wait_for_port

PROFILE = PROFILES["upload-stream"]
MIB = 1024 * 1024
UPLOAD_SIZE = 100 * MIB
WARM_UP_SIZE = 4 * MIB  # past the 1 MiB spool: the disk path is warm before measuring
NEEDS = ("uvloop", "httptools", "python_multipart")


def _squall_argv(app: str) -> tuple[str, ...]:
    return ("-m", "squall", app, "--port", "{port}", "--max-body-size", "0", *SQUALL_FLAGS)


def _uvicorn_argv(app: str) -> tuple[str, ...]:
    return ("-m", "uvicorn", app, "--port", "{port}", *UVICORN_FLAGS)


UPLOAD_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "Squall framework (UploadFile)",
        _squall_argv("bench.apps.squall_uploads:app"),
        ("squall", *NEEDS),
        squall=True,
        profiles=(PROFILE.name,),
    ),
    Entry(
        "Squall framework on uvicorn (ASGI)",
        _uvicorn_argv("bench.apps.squall_uploads:app"),
        ("squall", "uvicorn", *NEEDS),
        squall=True,
        profiles=(PROFILE.name,),
    ),
    Entry(
        "FastAPI on uvicorn (UploadFile)",
        _uvicorn_argv("bench.apps.fastapi_uploads:app"),
        ("fastapi", "uvicorn", *NEEDS),
        profiles=(PROFILE.name,),
    ),
)


@dataclass
class UploadResult:
    name: str
    squall: bool
    status: str  # "ok", "failed: ...", "skipped: ..."
    megabytes_per_second: float = 0.0  # the median round's
    uploads: int = 0  # over every measured round
    baseline_rss_mib: float = 0.0  # after the warm-up upload
    peak_rss_mib: float = 0.0
    rounds: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def upload_round(port: int, connections: int, seconds: float) -> tuple[float, int, str]:
    """MB/s, uploads done and "ok" (else what went wrong) for one round."""
    done: list[int] = []
    wrong: list[str] = []
    deadline = time.monotonic() + seconds

    def one_connection() -> None:
        while not wrong:
            sent = upload("127.0.0.1", port, UPLOAD_SIZE)
            if not answered_right(sent, UPLOAD_SIZE):
                wrong.append(f"failed: answered {sent.status} {sent.answer!r}")
                return
            done.append(UPLOAD_SIZE)
            if time.monotonic() >= deadline:
                return

    started = time.perf_counter()
    threads = [threading.Thread(target=one_connection) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return sum(done) / elapsed / 1e6, len(done), wrong[0] if wrong else "ok"


def measure_uploads(entry: Entry, options: Options, connections: int) -> UploadResult:
    missing = entry.missing(options.python)
    if missing:
        skipped = f"skipped: {', '.join(missing)} not installed"
        return UploadResult(entry.name, entry.squall, skipped)
    port = free_port()
    with running(entry, options, port, PROFILE) as proc:
        if not wait_for_port(port, proc):
            return UploadResult(entry.name, entry.squall, exit_reason(proc))
        warm = upload("127.0.0.1", port, WARM_UP_SIZE)
        if not answered_right(warm, WARM_UP_SIZE):
            return UploadResult(entry.name, entry.squall, f"failed: warm-up answered {warm}")
        result = UploadResult(entry.name, entry.squall, "ok")
        result.baseline_rss_mib = rss_kib(proc.pid) / 1024
        if options.warmup > 0:
            upload_round(port, connections, options.warmup)
        for _ in range(options.rounds):
            rate, uploads, status = upload_round(port, connections, options.seconds)
            if status != "ok":
                return UploadResult(entry.name, entry.squall, status)
            result.rounds.append(rate)
            result.uploads += uploads
        if proc.poll() is not None:
            return UploadResult(entry.name, entry.squall, exit_reason(proc))
        result.peak_rss_mib = peak_rss_mib(proc.pid)
    result.megabytes_per_second = statistics.median(result.rounds)
    return result


def markdown(results: list[UploadResult], options: Options, connections: int) -> str:
    info = report.machine()
    lines = [
        f"# --upload-stream: {PROFILE.summary}",
        "",
        report.hardware_line(info),
        f"{connections} uploads at a time of {UPLOAD_SIZE // MIB} MiB each, {options.rounds} "
        f"round(s) of {options.seconds:g} s (median kept), server on CPU "
        f"{options.server_cpu or 'any'}, client on CPU {options.client_cpu or 'any'}.",
        "",
        "| server | MB/s | uploads | RSS after warm-up (MiB) | peak RSS (MiB) | status |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.megabytes_per_second:,.0f} | {r.uploads} | "
            f"{r.baseline_rss_mib:,.1f} | {r.peak_rss_mib:,.1f} | {r.status} |"
        )
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def client_pinned(cpus: str | None) -> Iterator[None]:
    """Run this process (the upload client) on the client's CPUs, away from the server,
    and give it back the CPUs it had (a test calls main() in its own process)."""
    if cpus is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {int(cpu) for cpu in cpus.split(",")})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def main(args: argparse.Namespace, options: Options) -> int:
    """Run the chosen entries (the caller holds the bench lock) and write NAME.md / NAME.json."""
    connections = args.connections or PROFILE.connections or 1
    entries = [e for e in UPLOAD_ENTRIES if not args.squall_only or e.squall]
    if args.only:
        entries = [e for e in entries if any(part in e.name for part in args.only)]
    results = []
    with client_pinned(options.client_cpu):
        for entry in entries:
            print(f"{entry.name} ...", file=sys.stderr, flush=True)
            result = measure_uploads(entry, options, connections)
            print(f"  {result.status} {result.megabytes_per_second:,.0f} MB/s", file=sys.stderr)
            results.append(result)
    table = markdown(results, options, connections)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.name}.md").write_text(table)
    data: dict[str, Any] = {"connections": connections, "results": [asdict(r) for r in results]}
    (out / f"{args.name}.json").write_text(json.dumps(data, indent=2) + "\n")
    print(table, end="")
    return 1 if any(r.status.startswith("failed") for r in results) else 0
