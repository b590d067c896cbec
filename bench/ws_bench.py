"""``python -m bench --ws-echo``: every WebSocket entry's echo rate and memory per idle socket."""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

from bench import report, ws_report
from bench.runner import Options
from bench.ws_entries import WS_ENTRIES
from bench.ws_runner import WsResult, WsSettings, measure_ws, progress

SMOKE_IDLE_SOCKETS = 100


def allow_all_files() -> None:
    """10,000 idle sockets: the servers (which inherit it) and the client need the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def settings_from(args: argparse.Namespace) -> WsSettings:
    idle = args.ws_idle
    if args.smoke and idle == WsSettings.idle_sockets:
        idle = SMOKE_IDLE_SOCKETS
    return WsSettings(connections=args.connections or WsSettings.connections, idle_sockets=idle)


def chosen(args: argparse.Namespace) -> list[str]:
    names = [e.name for e in WS_ENTRIES if not args.squall_only or e.squall]
    if args.only:
        names = [n for n in names if any(part in n for part in args.only)]
    return names


def run_all(names: list[str], options: Options, settings: WsSettings) -> list[WsResult]:
    results = []
    for entry in WS_ENTRIES:
        if entry.name in names:
            print(f"{entry.name} ...", file=sys.stderr, flush=True)
            result = measure_ws(entry, options, settings)
            print(progress(result), file=sys.stderr, flush=True)
            results.append(result)
    return results


def write_outputs(
    out: Path, name: str, results: list[WsResult], options: Options, settings: WsSettings
) -> str:
    """NAME.md, NAME.json and NAME.png in ``out``; returns the table."""
    out.mkdir(parents=True, exist_ok=True)
    info = report.machine()
    info["profile"] = "ws-echo"
    table = ws_report.markdown(results, options, settings, info)
    (out / f"{name}.md").write_text(table)
    ws_report.write_json(out / f"{name}.json", results, options, settings, info)
    why_not = ws_report.chart(out / f"{name}.png", results, settings, info)
    return table + (f"(no chart: {why_not})\n" if why_not else "")


def main(args: argparse.Namespace, options: Options) -> int:
    """Run the chosen entries (the caller holds the bench lock) and write the outputs."""
    allow_all_files()
    settings = settings_from(args)
    results = run_all(chosen(args), options, settings)
    print(write_outputs(args.out, args.name, results, options, settings), end="")
    return 1 if any(r.status.startswith("failed") for r in results) else 0
