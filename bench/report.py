"""The bench's outputs: a markdown table (with the seeds' decay column) and JSON."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.entries import RATIOS
from bench.profiles import PROFILES, Profile
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


def decay(rps: float, previous: float | None) -> str:
    """The seeds' decay column: the change against the row above, "↓ 55.5%" or "↑ 12.0%"."""
    if not previous:
        return "-"
    change = (rps / previous - 1) * 100
    return f"{'↓' if change < 0 else '↑'} {abs(change):.1f}%"


def _latency(us: float | None) -> str:
    return "n/a" if us is None else f"{us:,.0f} µs"


def _row(result: Result, previous: float | None) -> str:
    if not result.ok:
        return f"| {result.name} | {result.status} | | | | | |"
    return (
        f"| {result.name} | {result.requests_per_second:,.0f} | "
        f"{decay(result.requests_per_second, previous)} | {_latency(result.p50_us)} | "
        f"{_latency(result.p99_us)} | {result.cpu_us_per_request:.1f} | "
        f"{result.peak_rss_mib:.1f} |"
    )


def method_line(options: Options, profile: Profile) -> str:
    connections = profile.connections or options.connections
    if options.server_cpu is None:
        pinning = "nothing pinned: server and wrk share every CPU"
    else:
        pinning = f"wrk pinned to CPU {options.client_cpu}, server to CPU {options.server_cpu}"
    return (
        f"Profile {profile.name}: {profile.summary}. wrk -t1 -c{connections} "
        f"-d{options.seconds:g}s, {pinning}, median of {options.rounds} rounds after "
        f"{options.warmup:g}s warm-up; decay is each row against the row above."
    )


def spread_lines(results: list[Result]) -> list[str]:
    """The workers profile: how evenly each server spread the requests over its workers."""
    lines = []
    for result in results:
        spread = result.spread
        if result.ok and spread is not None:
            served = ", ".join(f"{n:,}" for n in result.served_per_worker)
            lines.append(
                f"- {result.name}: requests per worker {served}: max/min **{spread:.2f}**"
                " (target <= 1.25)"
            )
    return lines


def size_lines(results: list[Result], profile: Profile) -> list[str]:
    """The compressed profiles: bytes per response (head and body, from wrk's count)."""
    if not profile.compressed:
        return []
    return [
        f"- {result.name}: **{result.bytes_per_response:,.0f}** bytes per response"
        for result in results
        if result.ok
    ]


def markdown(results: list[Result], options: Options, info: dict[str, Any]) -> str:
    lines = [
        "| entry | req/s | decay % | p50 | p99 | server CPU µs/req | peak RSS MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    previous = None
    for result in results:
        lines.append(_row(result, previous))
        if result.ok:
            previous = result.requests_per_second
    lines.append("")
    for label, value, target in ratios(results):
        goal = f" (target >= {target}x)" if target else ""
        lines.append(f"- {label}: **{value:.2f}x**{goal}")
    lines.extend(spread_lines(results))
    lines.extend(size_lines(results, PROFILES[info["profile"]]))
    lines.append("")
    lines.append(method_line(options, PROFILES[info["profile"]]))
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
