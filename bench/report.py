"""The bench's outputs: a markdown table (with the seeds' decay column), JSON, and a chart."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.entries import RATIOS
from bench.runner import Options, Result


def machine() -> dict[str, Any]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from squall.server.compiled import STATE as compiled
    except ImportError:
        compiled = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "squall_hot_path": compiled,
    }


def hardware_line(info: dict[str, Any]) -> str:
    return (
        f"{info['cpu']}, {info['cores']} cores, Linux {info['kernel']}, Python {info['python']}, "
        f"Squall hot path {info['squall_hot_path']}"
    )


def ratios(results: list[Result]) -> list[tuple[str, float, float]]:
    by_name = {r.name: r for r in results if r.ok}
    found = []
    for label, top, bottom, target in RATIOS:
        if top in by_name and bottom in by_name:
            below = by_name[bottom].requests_per_second
            if below > 0:
                found.append((label, by_name[top].requests_per_second / below, target))
    return found


def markdown(results: list[Result], options: Options, info: dict[str, Any]) -> str:
    lines = [
        "| entry | req/s | decay | p50 | p99 | server CPU µs/req | peak RSS MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    previous = None
    for result in results:
        if not result.ok:
            lines.append(f"| {result.name} | {result.status} | | | | | |")
            continue
        decay = (
            "-" if not previous else f"{(result.requests_per_second / previous - 1) * 100:+.1f}%"
        )
        previous = result.requests_per_second
        lines.append(
            f"| {result.name} | {result.requests_per_second:,.0f} | {decay} | "
            f"{result.p50_us:.0f} µs | {result.p99_us:.0f} µs | {result.cpu_us_per_request:.1f} | "
            f"{result.peak_rss_mib:.1f} |"
        )
    lines.append("")
    for label, value, target in ratios(results):
        goal = f" (target >= {target}x)" if target else ""
        lines.append(f"- {label}: **{value:.2f}x**{goal}")
    lines.append("")
    lines.append(
        f"wrk -t1 -c{options.connections} -d{options.seconds:g}s "
        f"(pinned to CPU {options.client_cpu}), server pinned to CPU {options.server_cpu}, "
        f"median of {options.rounds} rounds after "
        f"{options.warmup:g}s warm-up; decay is each row against the row above."
    )
    lines.append(f"Machine: {hardware_line(info)}.")
    return "\n".join(lines) + "\n"


def write_json(path: Path, results: list[Result], options: Options, info: dict[str, Any]) -> None:
    payload = {
        "machine": info,
        "options": asdict(options),
        "results": [asdict(r) for r in results],
        "ratios": [
            {"label": label, "value": value, "target": target}
            for label, value, target in ratios(results)
        ],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")


def chart(path: Path, results: list[Result], info: dict[str, Any]) -> str | None:
    """A bar chart of req/s; returns why it was not drawn, or None."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    measured = [r for r in results if r.ok]
    if not measured:
        return "nothing was measured"
    names = [r.name for r in measured][::-1]
    values = [r.requests_per_second for r in measured][::-1]
    colors = ["#1f6feb" if r.squall else "#9aa4ae" for r in measured][::-1]
    figure, axis = plt.subplots(figsize=(9, 0.5 * len(measured) + 1.6))
    bars = axis.barh(names, values, color=colors)
    for bar, value in zip(bars, values, strict=True):
        axis.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {value:,.0f}",
            va="center",
            fontsize=9,
        )
    axis.set_xlabel("requests per second (POST /user, decode → new User → encode)")
    axis.set_title("Squall (blue) and its peers, one CPU each")
    axis.set_xlim(0, max(values) * 1.18)
    figure.text(0.01, 0.01, hardware_line(info), fontsize=7, color="#555555")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return None


def python_version() -> str:
    return sys.version.split()[0]
