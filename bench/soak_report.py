"""The soak's results: RSS samples and their growth after warm-up, idle memory per connection,
and the outputs (CSV of every sample, markdown table, PNG of RSS over time)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.report import hardware_line
from bench.soak_load import PhaseReport

WARMUP_SHARE = 0.10  # the first 10% of a run is warm-up: growth is measured from there
FLAT_PERCENT = 5.0  # the bar: flat after warm-up is <= 5% growth


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the server answered its first request
    phase: str  # "keep-alive" or "connections"
    rss_kib: int  # the server's resident memory, whole process tree


@dataclass
class SoakResult:
    """One app's soak: its RSS over the run and what its two phases got back."""

    name: str
    status: str  # "ok", "failed: ...", "skipped: ..."
    samples: list[Sample] = field(default_factory=list)
    keep_alive: PhaseReport | None = None
    connections: PhaseReport | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok" and len(self.samples) >= 2

    def warm_sample(self) -> Sample:
        """The first sample at or after the end of warm-up."""
        cutoff = self.samples[-1].seconds * WARMUP_SHARE
        return next(s for s in self.samples if s.seconds >= cutoff)

    @property
    def warm_kib(self) -> int:
        return self.warm_sample().rss_kib

    @property
    def end_kib(self) -> int:
        return self.samples[-1].rss_kib

    @property
    def growth_percent(self) -> float:
        """RSS at the end against RSS after warm-up."""
        return (self.end_kib / self.warm_kib - 1) * 100

    @property
    def max_growth_percent(self) -> float:
        """The highest RSS after warm-up against RSS after warm-up."""
        warm = self.warm_sample()
        peak = max(s.rss_kib for s in self.samples if s.seconds >= warm.seconds)
        return (peak / warm.rss_kib - 1) * 100

    @property
    def verdict(self) -> str:
        return "flat" if self.growth_percent <= FLAT_PERCENT else "grows"


@dataclass
class IdleResult:
    """The server's memory with ``connections`` idle keep-alive connections open."""

    name: str
    status: str
    connections: int = 0
    before_kib: int = 0
    after_kib: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.connections > 0

    @property
    def kib_per_connection(self) -> float:
        return (self.after_kib - self.before_kib) / self.connections


def write_csv(path: Path, results: list[SoakResult]) -> None:
    """Every sample of every app: app, seconds, phase, rss_kib."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["app", "seconds", "phase", "rss_kib"])
        for result in results:
            for s in result.samples:
                writer.writerow([result.name, f"{s.seconds:.2f}", s.phase, s.rss_kib])


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f}"


def _count(report: PhaseReport | None) -> str:
    return f"{report.ok:,}" if report else "-"


def soak_row(result: SoakResult) -> str:
    counts = f"{_count(result.keep_alive)} | {_count(result.connections)}"
    if not result.ok:
        return f"| {result.name} | {counts} | {result.status} | | | | |"
    return (
        f"| {result.name} | {counts} | {_mib(result.warm_kib)} | {_mib(result.end_kib)} | "
        f"{result.growth_percent:+.1f}% | {result.max_growth_percent:+.1f}% | "
        f"**{result.verdict}** |"
    )


def idle_row(result: IdleResult) -> str:
    if not result.ok:
        return f"| {result.name} | {result.status} | | | |"
    return (
        f"| {result.name} | {result.connections:,} | {_mib(result.before_kib)} | "
        f"{_mib(result.after_kib)} | {result.kib_per_connection:.1f} |"
    )


def method_lines(settings: dict[str, Any]) -> list[str]:
    return [
        f"Soak: POST /user (the seeds' request), {settings['requests']:,} requests on "
        f"{settings['keep_alive_connections']} keep-alive connections, then "
        f"{settings['connections']:,} requests with `Connection: close` (a new connection "
        "each), wrk -t1 counting every 200 in Lua; server pinned to one CPU, wrk to the "
        f"other; server RSS sampled every {settings['interval']:g} s. Growth: RSS at the end "
        f"against RSS after warm-up (the first {WARMUP_SHARE:.0%} of the run); flat if "
        f"<= {FLAT_PERCENT:g}%.",
    ]


def markdown(
    soaks: list[SoakResult], idles: list[IdleResult], settings: dict[str, Any], info: dict[str, Any]
) -> str:
    lines: list[str] = []
    if soaks:
        lines += [
            "| app | keep-alive requests (200) | new connections (200) | RSS after warm-up MiB "
            "| RSS at end MiB | growth | max growth | verdict |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            *(soak_row(r) for r in soaks),
            "",
            *method_lines(settings),
            "",
        ]
    if idles:
        lines += [
            "| server + app | idle keep-alive connections | RSS before MiB | RSS with them "
            "open MiB | KiB per connection |",
            "| --- | ---: | ---: | ---: | ---: |",
            *(idle_row(r) for r in idles),
            "",
            "Idle: each connection sends one POST /user, reads its 200 and stays open "
            "(keep-alive timeout raised for the measurement); KiB per connection is the "
            "server's RSS growth over the count.",
            "",
        ]
    lines.append(f"Machine: {hardware_line(info)}.")
    return "\n".join(lines) + "\n"


def chart(path: Path, results: list[SoakResult], info: dict[str, Any]) -> str | None:
    """RSS over time, one line per app; why it wasn't drawn, or None."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    drawn = [r for r in results if r.ok]
    if not drawn:
        return "nothing was measured"
    figure, axis = plt.subplots(figsize=(9, 4.5))
    for result in drawn:
        seconds = [s.seconds for s in result.samples]
        mib = [s.rss_kib / 1024 for s in result.samples]
        label = f"{result.name} ({result.growth_percent:+.1f}% after warm-up)"
        (line,) = axis.plot(seconds, mib, label=label, linewidth=1.5)
        switch = next((s for s in result.samples if s.phase == "connections"), None)
        if switch is not None:
            axis.axvline(switch.seconds, color=line.get_color(), linestyle=":", linewidth=1)
    axis.set_ylim(bottom=0)
    axis.set_xlabel("seconds (dotted: keep-alive requests end, new connections begin)")
    axis.set_ylabel("server RSS, MiB")
    axis.set_title("Squall soak: server memory over the run")
    axis.legend(loc="lower right", fontsize=8)
    axis.spines[["top", "right"]].set_visible(False)
    figure.text(0.01, 0.01, hardware_line(info), fontsize=7, color="#555555")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return None
