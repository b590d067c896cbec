"""The bench's bar chart (req/s per entry): the PNG a user pastes into an issue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.profiles import PROFILES
from bench.report import hardware_line
from bench.runner import Result

NO_MATPLOTLIB = "matplotlib is not installed (pip install -e '.[bench]')"
SQUALL_COLOR = "#1f6feb"
PEER_COLOR = "#9aa4ae"


def chart(path: Path, results: list[Result], info: dict[str, Any]) -> str | None:
    """A horizontal bar chart of req/s, Squall's entries in blue; why it wasn't drawn, or None."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]')"
    # slowest first: barh draws bottom-up, so the fastest entry ends up on top
    measured = sorted((r for r in results if r.ok), key=lambda r: r.requests_per_second)
    if not measured:
        return "nothing was measured"
    values = [r.requests_per_second for r in measured]
    figure, axis = plt.subplots(figsize=(9, 0.45 * len(measured) + 1.8))
    bars = axis.barh(
        [r.name for r in measured],
        values,
        color=[SQUALL_COLOR if r.squall else PEER_COLOR for r in measured],
    )
    axis.bar_label(bars, labels=[f" {v:,.0f}" for v in values], fontsize=9)
    axis.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:,.0f}k"))
    axis.set_xlim(0, max(values) * 1.18)
    axis.set_xlabel(f"requests per second: {PROFILES[info['profile']].summary}")
    axis.set_title("Squall (blue) and its peers: server on one CPU, wrk on another")
    axis.spines[["top", "right"]].set_visible(False)
    figure.text(0.01, 0.01, hardware_line(info), fontsize=7, color="#555555")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return None


def bar_panel(axis: Any, bars: list[tuple[str, float, bool]], xlabel: str) -> None:
    """One panel of horizontal bars, slowest first: (label, value, is Squall's)."""
    from matplotlib.ticker import FuncFormatter

    bars = sorted(bars, key=lambda bar: bar[1])
    values = [value for _, value, _ in bars]
    drawn = axis.barh(
        [label for label, _, _ in bars],
        values,
        color=[SQUALL_COLOR if squall else PEER_COLOR for _, _, squall in bars],
    )
    axis.bar_label(drawn, labels=[f" {v:,.0f}" for v in values], fontsize=9)
    axis.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 1000:g}k"))
    axis.set_xlim(0, max(values, default=1) * 1.22)
    axis.set_xlabel(xlabel)
    axis.spines[["top", "right"]].set_visible(False)


def save_figure(figure: Any, path: Path, info: dict[str, Any]) -> None:
    """The machine's line at the foot, then the PNG; the figure is closed."""
    import matplotlib.pyplot as plt

    figure.text(0.01, 0.01, hardware_line(info), fontsize=7, color="#555555")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, dpi=120)
    plt.close(figure)


def pyplot() -> Any | None:
    """matplotlib's pyplot drawing to files (the Agg backend), or None when it is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    return plt
