"""``python -m bench``: the seeds' layer-decay table, measured on this machine, in one run."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench import h2_bench, report, static_files, upload_stream, wrk, ws_bench
from bench.certificates import make_certificates
from bench.chart import chart
from bench.entries import ENTRIES, Entry
from bench.profiles import PROFILES, Profile
from bench.runner import Options, Result, measure
from bench.serving_entries import (
    JSON_COMP_ENTRIES,
    STATIC_ENTRIES,
    TLS_ENTRIES,
    WORKER_ENTRIES,
)

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
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # the servers inherit it


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--seconds", type=float, default=5.0, help="length of each measured round")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of load before measuring")
    p.add_argument("--rounds", type=int, default=3, help="rounds per entry; the median is kept")
    p.add_argument("--connections", type=int, help="connections of the load (10; --ws-echo: 512)")
    p.add_argument("--server-cpu", default="0", help="CPU list for the server (taskset)")
    p.add_argument(
        "--client-cpu", default="1", help="CPU list for wrk or the WebSocket client (taskset)"
    )
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
    p.add_argument(
        "--ws-idle",
        type=int,
        default=ws_bench.WsSettings.idle_sockets,
        metavar="N",
        help="--ws-echo: idle sockets held open to read server memory per socket (0: none)",
    )
    for name, profile in PROFILES.items():
        if profile.flag:
            p.add_argument(
                profile.flag, dest="profile", action="store_const", const=name, help=profile.summary
            )
    return p.parse_args(argv)


def options_from(args: argparse.Namespace) -> Options:
    # Several workers use every CPU, and so does wrk: nothing is pinned then.
    pin = shutil.which("taskset") is not None and not PROFILES[args.profile].workers
    return Options(
        python=args.python,
        seconds=args.seconds,
        warmup=args.warmup,
        rounds=args.rounds,
        connections=args.connections or 10,
        server_cpu=args.server_cpu if pin else None,
        client_cpu=args.client_cpu if pin else None,
    )


def entries_for(profile: Profile) -> tuple[Entry, ...]:
    if profile.workers:
        return WORKER_ENTRIES
    if profile.tls:
        return TLS_ENTRIES
    if profile.static:
        return STATIC_ENTRIES
    if profile.compressed:
        return JSON_COMP_ENTRIES
    return ENTRIES


def chosen_entries(args: argparse.Namespace) -> list[Entry]:
    profile = PROFILES[args.profile]
    entries = [e for e in entries_for(profile) if not args.squall_only or e.squall]
    if args.only:
        entries = [e for e in entries if any(part in e.name for part in args.only)]
    return entries


@contextlib.contextmanager
def bench_lock() -> Iterator[None]:
    """Hold the machine-wide lock: one benchmark at a time, whoever starts it."""
    with open(LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for {LOCK} (another benchmark is running)", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run_all(entries: list[Entry], options: Options, profile: Profile) -> list[Result]:
    results = []
    with bench_lock(), tempfile.TemporaryDirectory() as scratch:
        script = wrk.write_script(Path(scratch), profile.lua())
        if profile.tls:
            options.files = make_certificates(Path(scratch))
        if profile.static:
            options.files["static"] = str(static_files.write_tree(Path(scratch) / "static"))
        for entry in entries:
            print(f"{entry.name} ...", file=sys.stderr, flush=True)
            result = measure(entry, options, script, profile)
            print(f"  {result.status} {result.requests_per_second:,.0f} req/s", file=sys.stderr)
            results.append(result)
    return results


def write_outputs(
    out: Path, name: str, results: list[Result], options: Options, profile: str
) -> str:
    """NAME.md, NAME.json and NAME.png in ``out``; returns the table."""
    out.mkdir(parents=True, exist_ok=True)
    info = report.machine()
    info["profile"] = profile
    table = report.markdown(results, options, info)
    (out / f"{name}.md").write_text(table)
    report.write_json(out / f"{name}.json", results, options, info)
    why_not = chart(out / f"{name}.png", results, info)
    return table + (f"(no chart: {why_not})\n" if why_not else "")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    websocket = args.profile == "ws-echo"  # bench/ws_load.py is its load, not wrk
    uploads = args.profile == "upload-stream"  # bench/upload_client.py is its load
    if shutil.which("wrk") is None and not (websocket or uploads):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if args.setup:
        args.python = str(setup_venv())
    if args.smoke:
        args.seconds, args.warmup, args.rounds, args.squall_only = 1.0, 0.5, 1, True
        args.python = sys.executable
    elif not BENCH_PYTHON.exists() and args.python == sys.executable:
        print("no .bench-venv: peers not installed here are skipped (--setup)", file=sys.stderr)
    if args.profile != "post-user" and args.name == "latest":
        args.name = f"latest-{args.profile}"
    options = options_from(args)
    if websocket:
        with bench_lock():
            return ws_bench.main(args, options)
    if uploads:
        with bench_lock():
            return upload_stream.main(args, options)
    if args.profile == "h2":  # h2load is its load (and wrk the HTTP/1.1 comparison's)
        with bench_lock():
            return h2_bench.main(args, options)
    allow_many_files()
    results = run_all(chosen_entries(args), options, PROFILES[args.profile])
    print(write_outputs(args.out, args.name, results, options, args.profile), end="")
    return 1 if any(r.status.startswith("failed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
