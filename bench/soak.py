"""``python -m bench.soak``: does the server's memory stay flat over a long run?

For each app: the server pinned to one CPU, wrk on the other sends POST /user --requests times
over keep-alive connections, then --connections times with ``Connection: close`` (a new
connection each); the server's RSS is sampled every --interval seconds. Then, for each
--idle-entries server, the memory per idle keep-alive connection with --idle of them open.
Writes NAME.csv (every sample), NAME.md (the tables) and NAME.png (RSS over time) to --out.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import report, soak_load
from bench.__main__ import BENCH_PYTHON, bench_lock
from bench.entries import ENTRIES, Entry
from bench.profiles import PROFILES
from bench.rss_sampler import RssSampler
from bench.runner import Options, check_answer, exit_reason, free_port, running
from bench.soak_idle import IdleError, idle_connections
from bench.soak_report import IdleResult, SoakResult, chart, markdown, write_csv
from bench.ws_bench import allow_all_files
from bench.ws_runner import rss_kib

KEEP_ALIVE = PROFILES["post-user"]
NEW_CONNECTIONS = PROFILES["http10"]  # POST /user with Connection: close
IDLE_KEEP_ALIVE_SECONDS = "600"  # the servers' --timeout-keep-alive while idle ones are held
IDLE_SETTLE = 0.5  # seconds between the last idle connection's answer and reading memory

# --entries / --idle-entries names: the bench's entries they run.
SOAK_ENTRIES = {
    "squall-framework": "squall framework (native path)",
    "squall-starlette": "squall + Starlette",
    "squall-raw": "squall + raw ASGI",
    "uvicorn-starlette": "uvicorn + Starlette",
    "uvicorn-raw": "uvicorn + raw ASGI",
}


def entry_named(key: str) -> Entry:
    name = SOAK_ENTRIES[key]
    return next(e for e in ENTRIES if e.name == name)


def entry_list(text: str) -> list[str]:
    keys = [key.strip() for key in text.split(",") if key.strip()]
    unknown = [key for key in keys if key not in SOAK_ENTRIES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {', '.join(unknown)}; choose from {', '.join(SOAK_ENTRIES)}"
        )
    return keys


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    p.add_argument(
        "--requests", type=int, default=1_000_000, help="keep-alive requests per app (1,000,000)"
    )
    p.add_argument(
        "--connections",
        type=int,
        default=100_000,
        help="requests with Connection: close, a new connection each, per app (100,000)",
    )
    p.add_argument(
        "--idle",
        type=int,
        default=10_000,
        help="idle keep-alive connections held open to read memory per connection (0: none)",
    )
    p.add_argument(
        "--entries",
        type=entry_list,
        default=["squall-framework", "squall-starlette"],
        help=f"apps to soak, comma-separated, of: {', '.join(SOAK_ENTRIES)}",
    )
    p.add_argument(
        "--idle-entries",
        type=entry_list,
        default=["squall-framework", "squall-raw", "uvicorn-raw", "uvicorn-starlette"],
        help="servers + apps for the idle memory, comma-separated (same names)",
    )
    p.add_argument("--keep-alive-connections", type=int, default=10, help="wrk's connections (10)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between RSS samples (1)")
    p.add_argument("--server-cpu", default="0", help="CPU list for the server (taskset)")
    p.add_argument("--client-cpu", default="1", help="CPU list for wrk (taskset)")
    p.add_argument(
        "--python",
        default=str(BENCH_PYTHON) if BENCH_PYTHON.exists() else sys.executable,
        help="interpreter that runs the servers (default: .bench-venv's)",
    )
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    p.add_argument("--name", default="soak", help="file names in --out: NAME.csv/.md/.png")
    return p.parse_args(argv)


def options_from(args: argparse.Namespace) -> Options:
    pin = shutil.which("taskset") is not None
    return Options(
        python=args.python,
        connections=args.keep_alive_connections,
        server_cpu=args.server_cpu if pin else None,
        client_cpu=args.client_cpu if pin else None,
    )


def phase_problem(phase: str, report: soak_load.PhaseReport) -> str | None:
    if report.complete:
        return None
    return (
        f"failed: {phase}: {report.ok:,} of {report.wanted:,} answered 200, "
        f"{report.other:,} other, {report.socket_errors:,} socket errors"
    )


def drive(
    result: SoakResult,
    port: int,
    scripts: Path,
    args: argparse.Namespace,
    cpu: str | None,
    sampler: RssSampler,
) -> None:
    """The two phases against a started server, wrk on ``cpu`` (a phase of 0 is left out)."""
    url = f"http://127.0.0.1:{port}/user"
    connections = args.keep_alive_connections
    if args.requests:
        script = scripts / "keep-alive.lua"
        script.write_text(soak_load.counting_lua(KEEP_ALIVE, args.requests))
        result.keep_alive = soak_load.run(url, script, args.requests, connections, cpu)
    sampler.phase = "connections"
    if args.connections:
        script = scripts / "close.lua"
        script.write_text(soak_load.counting_lua(NEW_CONNECTIONS, args.connections))
        result.connections = soak_load.run(url, script, args.connections, connections, cpu)


def soak(key: str, args: argparse.Namespace, options: Options) -> SoakResult:
    entry = entry_named(key)
    missing = entry.missing(options.python)
    if missing:
        return SoakResult(entry.name, f"skipped: {', '.join(missing)} not installed")
    port = free_port()
    result = SoakResult(entry.name, "ok")
    with (
        tempfile.TemporaryDirectory() as scripts,
        running(entry, options, port, KEEP_ALIVE) as proc,
    ):
        status = check_answer(port, proc, KEEP_ALIVE)
        if status != "ok":
            return SoakResult(entry.name, status)
        sampler = RssSampler(proc.pid, args.interval)
        sampler.start()
        try:
            drive(result, port, Path(scripts), args, options.client_cpu, sampler)
        except soak_load.wrk.WrkError as error:
            result.status = f"failed: {error}"
        finally:
            result.samples = sampler.stop()
        if proc.poll() is not None:
            result.status = exit_reason(proc)
    for phase, phase_report in (
        ("keep-alive", result.keep_alive),
        ("connections", result.connections),
    ):
        problem = phase_report and phase_problem(phase, phase_report)
        if problem and result.status == "ok":
            result.status = problem
    return result


def with_long_keep_alive(entry: Entry) -> Entry:
    """The entry, its server keeping idle connections open for the measurement."""
    argv = (*entry.argv, "--timeout-keep-alive", IDLE_KEEP_ALIVE_SECONDS)
    return dataclasses.replace(entry, argv=argv)


def idle_memory(key: str, count: int, options: Options) -> IdleResult:
    entry = with_long_keep_alive(entry_named(key))
    missing = entry.missing(options.python)
    if missing:
        return IdleResult(entry.name, f"skipped: {', '.join(missing)} not installed")
    port = free_port()
    with running(entry, options, port, KEEP_ALIVE) as proc:
        status = check_answer(port, proc, KEEP_ALIVE)
        if status != "ok":
            return IdleResult(entry.name, status)
        before = rss_kib(proc.pid)
        try:
            with idle_connections(port, count) as opened:
                time.sleep(IDLE_SETTLE)
                after = rss_kib(proc.pid)
        except (IdleError, OSError) as error:
            return IdleResult(entry.name, f"failed: {error}")
        if proc.poll() is not None:
            return IdleResult(entry.name, exit_reason(proc))
    return IdleResult(entry.name, "ok", opened, before, after)


def progress(result: SoakResult | IdleResult) -> str:
    if isinstance(result, IdleResult):
        if not result.ok:
            return f"  {result.status}"
        return f"  ok: {result.kib_per_connection:.1f} KiB per idle connection"
    if not result.ok:
        return f"  {result.status}"
    return (
        f"  ok: {result.warm_kib / 1024:.1f} -> {result.end_kib / 1024:.1f} MiB, "
        f"{result.growth_percent:+.1f}% ({result.verdict})"
    )


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "requests": args.requests,
        "connections": args.connections,
        "keep_alive_connections": args.keep_alive_connections,
        "interval": args.interval,
    }


def write_outputs(
    args: argparse.Namespace, soaks: list[SoakResult], idles: list[IdleResult]
) -> str:
    """NAME.csv, NAME.md and NAME.png in --out; returns the tables."""
    args.out.mkdir(parents=True, exist_ok=True)
    info = report.machine()
    table = markdown(soaks, idles, settings_of(args), info)
    (args.out / f"{args.name}.md").write_text(table)
    write_csv(args.out / f"{args.name}.csv", soaks)
    why_not = chart(args.out / f"{args.name}.png", soaks, info) if soaks else None
    return table + (f"(no chart: {why_not})\n" if why_not else "")


def run_all(
    args: argparse.Namespace, options: Options
) -> tuple[list[SoakResult], list[IdleResult]]:
    soaks: list[SoakResult] = []
    idles: list[IdleResult] = []
    if args.requests or args.connections:
        for key in args.entries:
            print(f"soak {key} ...", file=sys.stderr, flush=True)
            soaks.append(soak(key, args, options))
            print(progress(soaks[-1]), file=sys.stderr, flush=True)
    if args.idle:
        for key in args.idle_entries:
            print(f"idle {key} ...", file=sys.stderr, flush=True)
            idles.append(idle_memory(key, args.idle, options))
            print(progress(idles[-1]), file=sys.stderr, flush=True)
    return soaks, idles


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    allow_all_files()  # --idle connections: this process and the servers need the hard limit
    options = options_from(args)
    with bench_lock():
        soaks, idles = run_all(args, options)
    print(write_outputs(args, soaks, idles), end="")
    statuses = [r.status for r in soaks] + [r.status for r in idles]
    return 1 if any(status.startswith("failed") for status in statuses) else 0


if __name__ == "__main__":
    sys.exit(main())
