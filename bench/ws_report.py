"""The --ws-echo profile's outputs: a markdown table (one row per entry, both message shapes
and the idle memory), JSON, and a bar chart of messages per second."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.chart import NO_MATPLOTLIB, bar_panel, pyplot, save_figure
from bench.report import hardware_line
from bench.runner import Options
from bench.ws_entries import IDLE_GOAL_KIB, WS_RATIOS
from bench.ws_runner import EchoRun, WsResult, WsSettings


def shape(kind: str, size: int) -> str:
    """ "5 B text", "16 KiB binary"."""
    amount = f"{size // 1024} KiB" if size >= 1024 and size % 1024 == 0 else f"{size} B"
    return f"{amount} {kind}"


def ratios(results: list[WsResult], kind: str = "text") -> list[tuple[str, float, float]]:
    rates = {r.name: run.messages_per_second for r in results if (run := r.run(kind)) and r.ok}
    return [
        (label, rates[top] / rates[bottom], target)
        for label, top, bottom, target in WS_RATIOS
        if top in rates and rates.get(bottom)
    ]


def _cells(run: EchoRun | None) -> str:
    if run is None:
        return " | | | |"
    return (
        f" {run.messages_per_second:,.0f} | {run.p50_us:,.0f} µs | {run.p99_us:,.0f} µs |"
        f" {run.cpu_us_per_message:.1f} |"
    )


def _row(result: WsResult, settings: WsSettings) -> str:
    if not result.ok:
        status = " ".join(result.status.replace("|", "/").split())  # one table cell
        return f"| {result.name} | {status} |" + " |" * (4 * len(settings.messages))
    runs = "".join(_cells(result.run(kind)) for kind, _ in settings.messages)
    idle = result.idle_kib_per_socket
    return f"| {result.name} |{runs} {'-' if idle is None else f'{idle:.1f}'} |"


def header(settings: WsSettings) -> list[str]:
    columns = ["entry"]
    for kind, size in settings.messages:
        name = shape(kind, size)
        columns += [f"{name} msg/s", "p50", "p99", "CPU µs/msg"]
    columns.append("idle KiB/socket")
    return [
        "| " + " | ".join(columns) + " |",
        "| --- |" + " ---: |" * (len(columns) - 1),
    ]


def idle_lines(results: list[WsResult]) -> list[str]:
    return [
        f"- {r.name}: **{r.idle_kib_per_socket:.1f} KiB** per idle socket"
        f" (target <= {IDLE_GOAL_KIB:g} KiB)"
        for r in results
        if r.ok and r.squall and r.idle_kib_per_socket is not None
    ]


CLIENT_BOUND = 0.9  # the load generator's CPU share from which its rate is suspect


def client_bound_lines(results: list[WsResult]) -> list[str]:
    return [
        f"- {r.name}, {shape(run.kind, run.size)}: the load generator was busy "
        f"{run.client_cpu_share:.0%} of the round: the client may be the limit"
        for r in results
        if r.ok
        for run in r.runs
        if run.client_cpu_share >= CLIENT_BOUND
    ]


def method_line(options: Options, settings: WsSettings) -> str:
    shapes = " and ".join(shape(kind, size) for kind, size in settings.messages)
    if options.server_cpu is None:
        pinning = "nothing pinned"
    else:
        pinning = f"client pinned to CPU {options.client_cpu}, server to CPU {options.server_cpu}"
    idle = (
        f"; idle memory: server RSS growth with {settings.idle_sockets:,} open sockets"
        if settings.idle_sockets
        else ""
    )
    return (
        f"Profile ws-echo: {shapes} echoed at /ws by a picows client (bench/ws_load.py), "
        f"{settings.connections} connections, one message in flight each, "
        f"{options.seconds:g}s rounds, median of {options.rounds} after {options.warmup:g}s "
        f"warm-up, {pinning}; CPU µs/msg is the server's utime + stime per echo{idle}."
    )


def markdown(
    results: list[WsResult], options: Options, settings: WsSettings, info: dict[str, Any]
) -> str:
    lines = header(settings)
    lines += [_row(result, settings) for result in results]
    lines.append("")
    for label, value, target in ratios(results):
        goal = f" (target >= {target}x)" if target else ""
        lines.append(f"- {label}, 5 B text: **{value:.2f}x**{goal}")
    lines += idle_lines(results)
    lines += client_bound_lines(results)
    lines.append("")
    lines.append(method_line(options, settings))
    lines.append(f"Machine: {hardware_line(info)}.")
    return "\n".join(lines) + "\n"


def write_json(
    path: Path,
    results: list[WsResult],
    options: Options,
    settings: WsSettings,
    info: dict[str, Any],
) -> None:
    payload = {
        "machine": info,
        "options": asdict(options),
        "settings": asdict(settings),
        "results": [asdict(r) for r in results],
        "ratios": [
            {"label": label, "value": value, "target": target}
            for label, value, target in ratios(results)
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


def chart(
    path: Path, results: list[WsResult], settings: WsSettings, info: dict[str, Any]
) -> str | None:
    """One panel of horizontal bars per message shape, Squall's entries in blue; why it
    wasn't drawn, or None."""
    plt = pyplot()
    if plt is None:
        return NO_MATPLOTLIB
    measured = [r for r in results if r.ok and r.runs]
    if not measured:
        return "nothing was measured"
    panels = len(settings.messages)
    figure, axes = plt.subplots(
        1, panels, figsize=(7 * panels, 0.45 * len(measured) + 1.8), squeeze=False
    )
    for axis, (kind, size) in zip(axes[0], settings.messages, strict=True):
        bars = [
            (r.name, run.messages_per_second, r.squall) for r in measured if (run := r.run(kind))
        ]
        bar_panel(axis, bars, f"messages per second, {shape(kind, size)} echo")
    figure.suptitle(
        f"WebSocket echo, {settings.connections} connections: Squall (blue) and its peers, "
        "server on one CPU, client on another"
    )
    save_figure(figure, path, info)
    return None
