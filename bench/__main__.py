"""``python -m bench``: the seeds' layer-decay table, measured on this machine, in one run."""

from __future__ import annotations

import argparse
import fcntl
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import report, wrk
from bench.entries import ENTRIES
from bench.profiles import PROFILES
from bench.runner import Options, Result, measure

LOCK = "/tmp/squall-bench.lock"  # one benchmark at a time on this machine
REPO = Path(__file__).resolve().parent.parent
BENCH_VENV = REPO / ".bench-venv"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"


def setup_venv() -> Path:
    """A virtualenv with the pinned peers (bench/requirements.txt) and this Squall."""
    if not BENCH_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    pip = [str(BENCH_PYTHON), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-r", str(REPO / "bench" / "requirements.txt")], check=True)
    subprocess.run([*pip, "-e", str(REPO)], check=True)
    return BENCH_PYTHON


def allow_many_files() -> None:
    """wrk and the servers need a file descriptor per connection (--many-connections)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard or hard == resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--seconds", type=float, default=5.0, help="length of each measured round")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of load before measuring")
    p.add_argument("--rounds", type=int, default=3, help="rounds per entry; the median is kept")
    p.add_argument("--connections", type=int, default=10)
    p.add_argument("--server-cpu", default="0", help="CPU list for the server (taskset)")
    p.add_argument("--client-cpu", default="1", help="CPU list for wrk (taskset)")
    p.add_argument(
        "--python",
        default=str(BENCH_PYTHON) if BENCH_PYTHON.exists() else sys.executable,
        help="interpreter that runs the servers (default: .bench-venv's, made by --setup)",
    )
    p.add_argument("--setup", action="store_true", help="create .bench-venv with the peers")
    p.add_argument("--only", action="append", default=[], help="entries whose name contains this")
    p.add_argument("--squall-only", action="store_true", help="only Squall's own entries")
    p.add_argument("--smoke", action="store_true", help="1 s rounds, Squall entries only (CI)")
    p.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    p.add_argument("--name", default="latest", help="file names in --out: NAME.md/.json/.png")
    p.add_argument("--profile", choices=list(PROFILES), default="post-user", help="what to send")
    for flag, name, text in (
        ("--query", "query", "GET /baseline?a=1&b=2"),
        ("--pipelined", "pipelined", "16 pipelined POST /user per connection"),
        ("--json-list", "json-list", "GET /users: a JSON list of 100 users"),
        ("--upload", "upload", "POST /upload with a 1 MiB body"),
        ("--many-routes", "many-routes", "POST /user with 1,000 more routes registered"),
        ("--many-connections", "connections", "1,000 connections"),
        ("--http10", "http10", "Connection: close on every request"),
    ):
        p.add_argument(flag, dest="profile", action="store_const", const=name, help=text)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if args.setup:
        args.python = str(setup_venv())
    if args.smoke:
        args.seconds, args.warmup, args.rounds, args.squall_only = 1.0, 0.5, 1, True
        args.python = sys.executable
    no_pin = shutil.which("taskset") is None
    options = Options(
        python=args.python,
        seconds=args.seconds,
        warmup=args.warmup,
        rounds=args.rounds,
        connections=args.connections,
        server_cpu=None if no_pin else args.server_cpu,
        client_cpu=None if no_pin else args.client_cpu,
    )
    entries = [e for e in ENTRIES if not args.squall_only or e.squall]
    if args.only:
        entries = [e for e in entries if any(part in e.name for part in args.only)]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.profile != "post-user" and args.name == "latest":
        args.name = f"latest-{args.profile}"
    allow_many_files()
    results: list[Result] = []
    with open(LOCK, "w") as lock, tempfile.TemporaryDirectory() as scratch:
        fcntl.flock(lock, fcntl.LOCK_EX)
        profile = PROFILES[args.profile]
        script = wrk.write_script(Path(scratch), profile.lua())
        for entry in entries:
            print(f"{entry.name} ...", file=sys.stderr, flush=True)
            result = measure(entry, options, script, profile)
            print(f"  {result.status} {result.requests_per_second:,.0f} req/s", file=sys.stderr)
            results.append(result)
    info = report.machine()
    info["profile"] = args.profile
    table = report.markdown(results, options, info)
    (args.out / f"{args.name}.md").write_text(table)
    report.write_json(args.out / f"{args.name}.json", results, options, info)
    why_not = report.chart(args.out / f"{args.name}.png", results, info)
    print(table)
    if why_not:
        print(f"(no chart: {why_not})")
    return 1 if any(r.status.startswith("failed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
