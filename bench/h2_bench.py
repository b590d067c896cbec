"""``python -m bench --h2``: every HTTP/2 entry's rate over h2c and TLS, and Squall's HTTP/1.1
pipelined figure for the same requests from the same run."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import h2_report, report, wrk
from bench.certificates import make_certificates
from bench.entries import ENTRIES, Entry
from bench.h2_entries import H1_ENTRY, H2_ENTRIES, H2Entry
from bench.h2_report import PIPELINE, H1Figure
from bench.h2_runner import REQUESTS, H2Result, measure_h2, progress
from bench.profiles import PROFILES, Profile
from bench.runner import Options, check_answer, free_port, load, running


def chosen(args: argparse.Namespace) -> list[H2Entry]:
    entries = [e for e in H2_ENTRIES if not args.squall_only or e.squall]
    if args.only:
        entries = [e for e in entries if any(part in e.label for part in args.only)]
    return entries


def run_h2(entries: list[H2Entry], options: Options, scratch: Path) -> list[H2Result]:
    results = []
    for entry in entries:
        print(f"{entry.label} ...", file=sys.stderr, flush=True)
        result = measure_h2(entry, options, scratch)
        print(progress(result), file=sys.stderr, flush=True)
        results.append(result)
    return results


def run_h1(options: Options) -> list[H1Figure]:
    """The framework over HTTP/1.1, PIPELINE requests in flight per connection, each request
    (one server for both)."""
    entry = next(e for e in ENTRIES if e.name == H1_ENTRY)
    port = free_port()
    figures = []
    print(f"{H1_ENTRY} over HTTP/1.1, pipelined ...", file=sys.stderr, flush=True)
    with running(entry, options, port, PROFILES["pipelined"]) as proc:
        for request in REQUESTS:
            profile = dataclasses.replace(request.profile, pipeline=PIPELINE)
            figures.append(h1_figure(entry, profile, request.label, options, port, proc))
    return figures


def h1_figure(
    entry: Entry,
    profile: Profile,
    label: str,
    options: Options,
    port: int,
    proc: subprocess.Popen[bytes],
) -> H1Figure:
    status = check_answer(port, proc, profile)
    if status != "ok":
        return H1Figure(label, status)
    with tempfile.TemporaryDirectory() as directory:
        script = wrk.write_script(Path(directory), profile.lua())
        url = f"http://127.0.0.1:{port}{profile.path}"
        try:
            done = load(url, script, options, options.connections, proc.pid)
        except wrk.WrkError as error:
            return H1Figure(label, f"failed: {error}")
    return H1Figure(label, "ok", done.result(entry, profile, proc.pid).requests_per_second)


def write_outputs(
    out: Path, name: str, results: list[H2Result], figures: list[H1Figure], options: Options
) -> str:
    """NAME.md, NAME.json and NAME.png in ``out``; returns the table."""
    out.mkdir(parents=True, exist_ok=True)
    info = report.machine()
    info["profile"] = "h2"
    table = h2_report.markdown(results, figures, options, info)
    (out / f"{name}.md").write_text(table)
    h2_report.write_json(out / f"{name}.json", results, figures, options, info)
    why_not = h2_report.chart(out / f"{name}.png", results, info)
    return table + (f"(no chart: {why_not})\n" if why_not else "")


def main(args: argparse.Namespace, options: Options) -> int:
    """Run the chosen entries (the caller holds the bench lock) and write the outputs."""
    for tool in ("h2load", "curl", "wrk"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed (apt-get install nghttp2-client curl wrk)")
            return 2
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        options.files = make_certificates(scratch)
        results = run_h2(chosen(args), options, scratch)
        figures = run_h1(options) if any(r.squall and r.ok for r in results) else []
    print(write_outputs(args.out, args.name, results, figures, options), end="")
    return 1 if any(r.status.startswith("failed") for r in results) else 0
