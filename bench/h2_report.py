"""The --h2 profile's outputs: a markdown table (one row per entry and transport, both
requests), the goals, Squall's HTTP/1.1 pipelined figure from the same run, JSON, a chart."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import h2_load
from bench.chart import NO_MATPLOTLIB, bar_panel, pyplot, save_figure
from bench.h2_entries import H1_ENTRY, H1_GOAL, H2_RATIOS, TRANSPORTS
from bench.h2_runner import REQUESTS, H2Result, H2Run
from bench.report import hardware_line
from bench.runner import Options

PIPELINE = 16  # HTTP/1.1 requests in flight per connection for the comparison line


@dataclass
class H1Figure:
    """Squall's HTTP/1.1 pipelined rate for one of the requests, measured in the same run."""

    request: str
    status: str
    requests_per_second: float = 0.0


def rates(results: list[H2Result], transport: str, request: str) -> dict[str, float]:
    return {
        r.name: run.requests_per_second
        for r in results
        if r.ok and r.transport == transport and (run := r.run(request))
    }


def ratios(results: list[H2Result]) -> list[tuple[str, str, str, float, float]]:
    """(label, transport, request, value, target) for every goal measured."""
    found = []
    for transport in TRANSPORTS:
        for request in REQUESTS:
            measured = rates(results, transport, request.label)
            for label, top, bottom, target in H2_RATIOS:
                if top in measured and measured.get(bottom):
                    value = measured[top] / measured[bottom]
                    found.append((label, transport, request.label, value, target))
    return found


def h1_ratios(
    results: list[H2Result], figures: list[H1Figure]
) -> list[tuple[str, str, float, float]]:
    """(transport, request, HTTP/2 over HTTP/1.1 pipelined, HTTP/1.1 req/s)."""
    found = []
    for figure in figures:
        if figure.status != "ok" or not figure.requests_per_second:
            continue
        for transport in TRANSPORTS:
            h2 = rates(results, transport, figure.request).get(H1_ENTRY)
            if h2:
                ratio = h2 / figure.requests_per_second
                found.append((transport, figure.request, ratio, figure.requests_per_second))
    return found


def _cells(run: H2Run | None) -> str:
    if run is None:
        return " | | | |"
    return (
        f" {run.requests_per_second:,.0f} | {run.p50_us / 1000:,.1f} ms |"
        f" {run.p99_us / 1000:,.1f} ms | {run.cpu_us_per_request:.1f} |"
    )


def _row(result: H2Result) -> str:
    if not result.ok:
        status = " ".join(result.status.replace("|", "/").split())  # one table cell
        return f"| {result.name} | {result.transport} | {status} |" + " |" * (4 * len(REQUESTS) - 1)
    runs = "".join(_cells(result.run(request.label)) for request in REQUESTS)
    return f"| {result.name} | {result.transport} |{runs}"


def header() -> list[str]:
    columns = ["entry", "transport"]
    for request in REQUESTS:
        columns += [f"{request.label} req/s", "p50", "p99", "CPU µs/req"]
    return ["| " + " | ".join(columns) + " |", "| --- | --- |" + " ---: |" * (len(columns) - 2)]


def goal_lines(results: list[H2Result], figures: list[H1Figure]) -> list[str]:
    lines = [
        f"- {label}, {transport}, {request}: **{value:.2f}x** (target >= {target:g}x)"
        for label, transport, request, value, target in ratios(results)
    ]
    for transport, request, value, h1 in h1_ratios(results, figures):
        lines.append(
            f"- Squall framework (native) over HTTP/2 ({transport}) vs its HTTP/1.1 pipelined "
            f"figure ({h1:,.0f} req/s), {request}: **{value:.2f}x** (target >= {H1_GOAL:g}x)"
        )
    for figure in figures:
        if figure.status != "ok":
            lines.append(f"- HTTP/1.1 pipelined, {figure.request}: {figure.status}")
    return lines


def method_line(options: Options) -> str:
    if options.server_cpu is None:
        pinning = "nothing pinned"
    else:
        pinning = f"h2load pinned to CPU {options.client_cpu}, server to CPU {options.server_cpu}"
    return (
        f"Profile h2: h2load -c {h2_load.CLIENTS} -m {h2_load.STREAMS} (one thread), h2c with "
        f"prior knowledge and TLS (ALPN h2), {options.seconds:g}s rounds, median of "
        f"{options.rounds} after {options.warmup:g}s warm-up, {pinning}; every answer a 2xx "
        "(h2load's status counts) and one answer to each request checked with curl first; "
        "p50/p99 from h2load's per-request log; CPU µs/req is the server's utime + stime per "
        f"request. HTTP/1.1 pipelined: wrk, {options.connections} connections, {PIPELINE} "
        "requests in flight each, cleartext."
    )


def markdown(
    results: list[H2Result], figures: list[H1Figure], options: Options, info: dict[str, Any]
) -> str:
    lines = header() + [_row(result) for result in results]
    lines.append("")
    lines += goal_lines(results, figures)
    lines.append("")
    lines.append(method_line(options))
    lines.append(f"Machine: {hardware_line(info)}.")
    return "\n".join(lines) + "\n"


def write_json(
    path: Path,
    results: list[H2Result],
    figures: list[H1Figure],
    options: Options,
    info: dict[str, Any],
) -> None:
    payload = {
        "machine": info,
        "options": {**asdict(options), "files": {}},
        "results": [asdict(r) for r in results],
        "http11_pipelined": [asdict(f) for f in figures],
        "ratios": [
            {"label": label, "transport": t, "request": q, "value": value, "target": target}
            for label, t, q, value, target in ratios(results)
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


def chart(path: Path, results: list[H2Result], info: dict[str, Any]) -> str | None:
    """One panel of horizontal bars per request, Squall's entries in blue; why it wasn't
    drawn, or None."""
    plt = pyplot()
    if plt is None:
        return NO_MATPLOTLIB
    measured = [r for r in results if r.ok and r.runs]
    if not measured:
        return "nothing was measured"
    figure, axes = plt.subplots(
        1, len(REQUESTS), figsize=(7 * len(REQUESTS), 0.45 * len(measured) + 1.8), squeeze=False
    )
    for axis, request in zip(axes[0], REQUESTS, strict=True):
        bars = [
            (r.label, run.requests_per_second, r.squall)
            for r in measured
            if (run := r.run(request.label))
        ]
        bar_panel(axis, bars, f"requests per second, {request.label}")
    figure.suptitle(
        "HTTP/2, h2load -c 10 -m 100: Squall (blue) and its peers, server on one CPU, "
        "h2load on another"
    )
    save_figure(figure, path, info)
    return None
