"""Driving wrk: the request script, the command line, and reading its report."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 1.0, "ms": 1000.0, "s": 1_000_000.0}
_BYTE_UNITS = {"B": 1.0, "KB": 1024.0, "MB": 1024.0**2, "GB": 1024.0**3, "TB": 1024.0**4}


@dataclass
class WrkReport:
    requests: int
    requests_per_second: float
    p50_us: float
    p99_us: float
    errors: int  # socket errors plus non-2xx responses
    bytes_read: float = 0.0  # heads and bodies, as wrk reports it (3-4 significant digits)


def write_script(directory: Path, lua: str) -> Path:
    path = directory / "request.lua"
    path.write_text(lua)
    return path


class WrkError(RuntimeError):
    """wrk failed, or the server failed it (errors, no answers)."""


# wrk counts a request unanswered after 2 s (its default) as an error, which fails the entry.
# At 1,000 connections fetching files of up to 300 KB from one server CPU the slowest requests
# of every Python server pass 2 s (after a previous round's connections closed, most), so
# such runs give wrk 10 s: the p99 column shows the tail instead.
MANY_CONNECTIONS = 1000
MANY_CONNECTIONS_TIMEOUT = "10s"


def run(url: str, script: Path, seconds: float, connections: int, cpu: str | None) -> WrkReport:
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
        "-s", str(script), url,
    ]  # fmt: skip
    if connections >= MANY_CONNECTIONS:
        command[1:1] = ["--timeout", MANY_CONNECTIONS_TIMEOUT]
    return parse(execute(command, cpu, seconds + 60))


def execute(command: list[str], cpu: str | None, timeout: float) -> str:
    """Run a wrk command line (pinned to ``cpu``) to its end; its standard output."""
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=timeout)
    except subprocess.CalledProcessError as error:
        raise WrkError(
            f"wrk exited with {error.returncode}: {error.stderr.strip()[-200:]}"
        ) from None
    except subprocess.TimeoutExpired:
        raise WrkError("wrk did not finish") from None
    return out.stdout


def _duration_us(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise WrkError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _find(pattern: str, output: str) -> str:
    match = re.search(pattern, output, re.M)
    if match is None:
        raise WrkError(f"no {pattern!r} in wrk's output: {output.strip()[-200:]!r}")
    return match.group(1)


def parse(output: str) -> WrkReport:
    requests = int(_find(r"(\d+) requests in", output))
    rps = float(_find(r"Requests/sec:\s+([\d.]+)", output))
    p50 = _duration_us(_find(r"^\s+50%\s+(\S+)", output))
    p99 = _duration_us(_find(r"^\s+99%\s+(\S+)", output))
    errors = 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    read = re.search(r"requests in \S+, ([\d.]+)([KMGT]?B) read", output)
    bytes_read = float(read.group(1)) * _BYTE_UNITS[read.group(2)] if read else 0.0
    return WrkReport(requests, rps, p50, p99, errors, bytes_read)
