"""``python -m bench.httparena run``: HttpArena's profiles against Squall's entry and FastAPI's.

Both entries start once, each pinned to the server CPU (so each launcher runs one worker per
server), on the same generated mounts and one seeded PostgreSQL.  For each profile, each entry
that subscribes to it gets a short warm-up and then the measured load, one entry right after the
other; the load generator (wrk, h2load, or bench/ws_load.py's picows client) runs on the client
CPU.  Per run: req/s (2xx only where the contract counts 2xx), p99 where the tool reports it, the
server's CPU µs per request (its process tree, from /proc), and bytes per response for json-comp.
Results: bench/results/latest-httparena.md / .json / .png.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench import wrk
from bench.httparena.launch import Entry, Setup, Started, entry, entry_running
from bench.httparena.load_profiles import PROFILES, LoadProfile
from bench.runner import Options, cpu_seconds
from bench.ws_runner import LoadError, load_client

WARMUP: Final = 1.0
H2LOAD_TIMEOUT_MARGIN: Final = 20.0


@dataclass
class Measurement:
    profile: str
    entry: str
    connections: int
    status: str = "ok"  # or why it was not measured
    requests_per_second: float = 0.0
    p99_us: float | None = None
    cpu_us_per_request: float = 0.0
    bytes_per_response: float = 0.0


@dataclass
class Counted:
    """What a load run gives: answers counted, over how long, p99, bytes read."""

    answers: int
    seconds: float
    p99_us: float | None = None
    bytes_read: float = 0.0


def base_url(started: Started, profile: LoadProfile) -> str:
    target = started.target
    return {
        "h1": f"http://{target.host}:{target.h1}",
        "h1-tls": f"https://{target.host}:{target.h1_tls}",
        "h2c": f"http://{target.host}:{target.h2c}",
        "h2-tls": f"https://{target.host}:{target.h2_tls}",
    }[profile.port]


def run_wrk(url: str, profile: LoadProfile, seconds: float, connections: int, cpu: str) -> Counted:
    with tempfile.TemporaryDirectory(prefix="httparena-wrk-") as directory:
        script = wrk.write_script(Path(directory), profile.lua)
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
            "--timeout", "10s", "-s", str(script), url,
        ]  # fmt: skip
        output = wrk.execute(command, cpu, seconds + 60)
    report = wrk.parse(output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    answers = report.requests - (int(non_2xx.group(1)) if non_2xx and profile.only_2xx else 0)
    duration = (
        report.requests / report.requests_per_second if report.requests_per_second else seconds
    )
    return Counted(answers, duration, report.p99_us, report.bytes_read)


def h2load_numbers(output: str) -> Counted:
    """h2load's 2xx count and its "finished in" time (HttpArena: rps = 2xx / finished-in)."""
    finished = re.search(r"finished in ([\d.]+)(ms|s)", output)
    codes = re.search(r"status codes: (\d+) 2xx", output)
    if finished is None or codes is None:
        raise wrk.WrkError(f"h2load's output has no result: {output.strip()[-300:]!r}")
    seconds = float(finished.group(1)) / (1000 if finished.group(2) == "ms" else 1)
    return Counted(int(codes.group(1)), seconds)


def run_h2load(
    url: str, profile: LoadProfile, seconds: float, connections: int, cpu: str
) -> Counted:
    with tempfile.TemporaryDirectory(prefix="httparena-h2load-") as directory:
        arguments = ["h2load", "-c", str(connections), "-t", "1", "-D", str(max(1, round(seconds)))]
        arguments += list(profile.h2load)
        if profile.uris:
            uris = Path(directory, "uris.txt")
            uris.write_text("".join(f"{url}{path}\n" for path in profile.uris))
            arguments += ["-i", str(uris)]
        else:
            arguments.append(url + profile.path)
        command = ["taskset", "-c", cpu, *arguments]
        limit = seconds + H2LOAD_TIMEOUT_MARGIN
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=limit, check=False
            )
        except subprocess.TimeoutExpired:
            raise wrk.WrkError(f"h2load did not finish in {limit:g} s") from None
    return h2load_numbers(done.stdout)


def run_ws(url: str, seconds: float, connections: int, cpu: str) -> Counted:
    options = Options(python=sys.executable, client_cpu=cpu)
    ws_url = url.replace("http://", "ws://") + "/ws"
    with load_client(
        options, "echo", ws_url, "-c", str(connections), "--kind", "text", "--size", "5"
    ) as client:
        client.answer(30)
        report = client.command(f"run {seconds}", seconds + 30)
    return Counted(int(report["messages"]), float(report["seconds"]), float(report["p99_us"]))


def drive(
    started: Started, profile: LoadProfile, seconds: float, connections: int, cpu: str
) -> Counted:
    url = base_url(started, profile)
    if profile.tool == "wrk":
        return run_wrk(url, profile, seconds, connections, cpu)
    if profile.tool == "h2load":
        return run_h2load(url, profile, seconds, connections, cpu)
    return run_ws(url, seconds, connections, cpu)


def measure(started: Started, profile: LoadProfile, arguments: argparse.Namespace) -> Measurement:
    connections = arguments.connections or profile.connections
    result = Measurement(profile.name, started.entry.name, connections)
    try:
        drive(started, profile, WARMUP, connections, arguments.client_cpu)
        before = cpu_seconds(started.process.pid)
        counted = drive(started, profile, arguments.seconds, connections, arguments.client_cpu)
        used = cpu_seconds(started.process.pid) - before
    except (wrk.WrkError, LoadError, subprocess.TimeoutExpired, OSError) as error:
        result.status = f"failed: {error}"[:200]
        return result
    if counted.answers == 0:
        result.status = "failed: no answers counted"
        return result
    result.requests_per_second = counted.answers / counted.seconds
    result.p99_us = counted.p99_us
    result.cpu_us_per_request = used * 1e6 / counted.answers
    if profile.bytes_per_response:
        result.bytes_per_response = counted.bytes_read / counted.answers
    return result


@contextlib.contextmanager
def shared_setup(cpu: str, tests: set[str]) -> Iterator[Setup]:
    """One set of mounts and one PostgreSQL for every entry of the run."""
    from bench.httparena.data import write_mounts
    from bench.httparena.launch import DATABASE_PROFILES, database

    with tempfile.TemporaryDirectory(prefix="httparena-mounts-") as directory:
        mounts = write_mounts(Path(directory), seed_sql=False).root
        with database(bool(DATABASE_PROFILES & tests), None) as url:
            yield Setup(cpus=cpu, quiet=True, mounts=mounts, database_url=url)


def run_profiles(arguments: argparse.Namespace) -> list[Measurement]:
    chosen = arguments.profiles or list(PROFILES)
    unknown = [name for name in chosen if name not in PROFILES]
    if unknown:
        raise SystemExit(f"unknown profiles: {', '.join(unknown)} (known: {', '.join(PROFILES)})")
    entries: list[Entry] = [
        entry(name) for name in arguments.entries if set(entry(name).tests) & set(chosen)
    ]
    results: list[Measurement] = []
    with contextlib.ExitStack() as stack:
        setup = stack.enter_context(shared_setup(arguments.server_cpu, set(chosen)))
        running = {
            one.name: stack.enter_context(
                entry_running(one, [t for t in one.tests if t in chosen], setup)
            )
            for one in entries
        }
        for name in chosen:
            for one in entries:
                if name not in one.tests:
                    results.append(Measurement(name, one.name, 0, "not subscribed"))
                    continue
                result = measure(running[one.name], PROFILES[name], arguments)
                print(progress(result), flush=True)
                results.append(result)
    return results


def progress(result: Measurement) -> str:
    if result.status != "ok":
        return f"{result.profile:13} {result.entry:8} {result.status}"
    return (
        f"{result.profile:13} {result.entry:8} {result.requests_per_second:12,.0f} req/s  "
        f"{result.cpu_us_per_request:8.1f} µs CPU/req"
    )


def run_command(arguments: argparse.Namespace) -> int:
    from bench.__main__ import bench_lock
    from bench.httparena.run_report import write_results

    with bench_lock():
        results = run_profiles(arguments)
    written = write_results(Path(arguments.out), results, arguments)
    print(f"wrote {', '.join(str(path) for path in written)}")
    return 0 if all(r.status in ("ok", "not subscribed") for r in results) else 1
