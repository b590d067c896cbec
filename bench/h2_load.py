"""Driving h2load (nghttp2): the command line, its report, and the per-request times it logs."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

CLIENTS = 10  # -c: connections
STREAMS = 100  # -m: streams in flight per connection


class H2LoadError(RuntimeError):
    """h2load failed, or the server failed it (errors, non-2xx answers, nothing answered)."""


@dataclass
class H2LoadReport:
    done: int
    requests_per_second: float
    p50_us: float
    p99_us: float


def command(url: str, seconds: float, body: Path | None, headers: dict[str, str]) -> list[str]:
    """One h2load run of ``seconds``, per-request times logged to a file named later."""
    line = [
        "h2load",
        "-t",
        "1",
        "-c",
        str(CLIENTS),
        "-m",
        str(STREAMS),
        "-D",
        f"{round(seconds * 1000)}ms",
    ]
    for name, value in headers.items():
        line += ["-H", f"{name}: {value}"]
    if body is not None:
        line += ["-d", str(body)]
    return [*line, url]


def run(
    url: str, seconds: float, log: Path, cpu: str | None, body: Path | None, headers: dict[str, str]
) -> H2LoadReport:
    """Load ``url`` for ``seconds``; raises H2LoadError unless every answer was a 2xx."""
    line = [*command(url, seconds, body, headers), "--log-file", str(log)]
    if cpu is not None:
        line = ["taskset", "-c", cpu, *line]
    try:
        done = subprocess.run(line, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        raise H2LoadError("h2load did not finish") from None
    if done.returncode != 0:
        raise H2LoadError(f"h2load exited with {done.returncode}: {done.stderr.strip()[-200:]}")
    return parse(done.stdout, log.read_text())


def _find(pattern: str, output: str) -> re.Match[str]:
    match = re.search(pattern, output, re.M)
    if match is None:
        raise H2LoadError(f"no {pattern!r} in h2load's output: {output.strip()[-200:]!r}")
    return match


def percentile(sorted_values: list[int], fraction: float) -> float:
    """The nearest-rank percentile of a sorted list."""
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return float(sorted_values[index])


def request_times(log: str) -> list[int]:
    """The elapsed µs of each request h2load logged ("start<TAB>status<TAB>elapsed" lines)."""
    times = []
    for line in log.splitlines():
        fields = line.split("\t")
        if len(fields) == 3:
            times.append(int(fields[2]))
    return sorted(times)


def parse(output: str, log: str) -> H2LoadReport:
    rate = float(_find(r"^finished in \S+, ([\d.]+) req/s", output).group(1))
    counts = _find(
        r"^requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, "
        r"(\d+) errored, (\d+) timeout",
        output,
    )
    done, succeeded, failed, errored, timeout = (int(n) for n in counts.groups())
    statuses = _find(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", output)
    ok, others = int(statuses.group(1)), sum(int(n) for n in statuses.groups()[1:])
    if done == 0:
        raise H2LoadError("no request answered under load")
    # The status counts include answers whose body was still coming when the time was up.
    if failed or errored or timeout or others or succeeded != done:
        raise H2LoadError(
            f"{done} done, {ok} 2xx, {others} not 2xx, {failed} failed, {errored} errored, "
            f"{timeout} timed out"
        )
    times = request_times(log)
    if not times:
        raise H2LoadError("h2load logged no request times")
    return H2LoadReport(done, rate, percentile(times, 0.5), percentile(times, 0.99))
