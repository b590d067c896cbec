"""The HttpArena run's outputs: bench/results/latest-httparena.md, .json and .png."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.chart import PEER_COLOR, SQUALL_COLOR, save_figure
from bench.httparena.load_profiles import PROFILES
from bench.httparena.run import WARMUP, Measurement
from bench.report import hardware_line, machine

NAME = "latest-httparena"


def cell(result: Measurement | None) -> list[str]:
    if result is None or result.status != "ok":
        status = "-" if result is None else result.status
        return [status, "", ""]
    p99 = "n/a" if result.p99_us is None else f"{result.p99_us / 1000:,.1f} ms"
    return [f"{result.requests_per_second:,.0f}", p99, f"{result.cpu_us_per_request:,.1f}"]


def by_profile(results: list[Measurement]) -> dict[str, dict[str, Measurement]]:
    table: dict[str, dict[str, Measurement]] = {}
    for result in results:
        table.setdefault(result.profile, {})[result.entry] = result
    return table


def ratio(row: dict[str, Measurement]) -> str:
    squall, fastapi = row.get("squall"), row.get("fastapi")
    if squall is None or fastapi is None or squall.status != "ok" or fastapi.status != "ok":
        return ""
    return f"{squall.requests_per_second / fastapi.requests_per_second:.1f}x"


def markdown(
    results: list[Measurement], arguments: argparse.Namespace, info: dict[str, Any]
) -> str:
    lines = [
        "| profile | conns | Squall req/s | p99 | CPU µs/req "
        "| FastAPI req/s | p99 | CPU µs/req | Squall / FastAPI |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for profile, row in by_profile(results).items():
        connections = max(result.connections for result in row.values())
        squall, fastapi = cell(row.get("squall")), cell(row.get("fastapi"))
        lines.append(
            f"| {profile} | {connections} | {' | '.join(squall + fastapi)} | {ratio(row)} |"
        )
    lines.append("")
    for result in results:
        if result.bytes_per_response:
            size = f"{result.bytes_per_response:,.0f}"
            lines.append(f"- {result.profile}, {result.entry}: **{size}** bytes per response")
    lines += ["", "Profiles:"]
    lines += [f"- {name}: {PROFILES[name].summary}" for name in by_profile(results)]
    lines += [
        "",
        f"Method: `python -m bench.httparena run --seconds {arguments.seconds:g}`: each entry's "
        f"launcher pinned to CPU {arguments.server_cpu} (one worker per server), the load "
        f"generator to CPU {arguments.client_cpu}, {WARMUP:g} s warm-up, one measured run per "
        "entry and profile, back to back; req/s counts 2xx answers where HttpArena does (wrk's "
        "static and json-tls count every answer); p99 is n/a for h2load (it reports none).",
        f"Machine: {hardware_line(info)}.",
    ]
    return "\n".join(lines) + "\n"


def chart(path: Path, results: list[Measurement], info: dict[str, Any]) -> str | None:
    """Grouped bars of req/s per profile (log scale), Squall blue, FastAPI grey."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    table = by_profile(results)
    profiles = list(table)[::-1]
    figure, axis = plt.subplots(figsize=(9, 0.55 * len(profiles) + 1.8))
    for offset, (name, color) in enumerate((("squall", SQUALL_COLOR), ("fastapi", PEER_COLOR))):
        values = [
            table[p][name].requests_per_second
            if name in table[p] and table[p][name].status == "ok"
            else 0
            for p in profiles
        ]
        positions = [index + (0.2 if offset == 0 else -0.2) for index in range(len(profiles))]
        axis.barh(positions, values, height=0.4, color=color, label=name)
    axis.set_yticks(range(len(profiles)), profiles)
    axis.set_xscale("log")
    axis.set_xlim(left=10)  # a missing bar (failed, not subscribed) stays empty
    axis.set_xlabel("requests (or WebSocket messages) per second, log scale")
    axis.set_title(
        "HttpArena profiles: Squall's entry (blue) and FastAPI on uvicorn (grey), one server CPU"
    )
    axis.legend(loc="lower right")
    axis.spines[["top", "right"]].set_visible(False)
    save_figure(figure, path, info)
    return None


def write_results(
    directory: Path, results: list[Measurement], arguments: argparse.Namespace
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    info = machine()
    markdown_path, json_path = directory / f"{NAME}.md", directory / f"{NAME}.json"
    markdown_path.write_text(markdown(results, arguments, info))
    options = {key: value for key, value in vars(arguments).items() if key != "command"}
    json_path.write_text(
        json.dumps(
            {"machine": info, "options": options, "results": [asdict(r) for r in results]}, indent=2
        )
        + "\n"
    )
    written = [markdown_path, json_path]
    png = directory / f"{NAME}.png"
    why = chart(png, results, info)
    if why is None:
        written.append(png)
    else:
        print(f"no chart: {why}")
    return written
