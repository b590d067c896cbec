"""The soak's load: wrk sending a fixed number of requests, counting the 200s it got back.

wrk runs for a duration, not a count, and waits that whole duration even when its threads
stop early; so its one thread's Lua script counts the responses itself, prints the tally on
one line at the count and ends wrk there. Should wrk reach its time limit first (a stuck
server), ``done`` prints the tally instead: fewer than asked for.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from bench import wrk
from bench.profiles import Profile

TALLY = re.compile(r"^soak: ok=(\d+) other=(\d+)$", re.M)
SLOWEST_RATE = 500  # requests per second: below it, a phase is cut off as stuck


@dataclass
class PhaseReport:
    """What one fixed-count phase got back."""

    wanted: int
    ok: int  # responses with status 200, counted by the script
    other: int  # responses with another status
    socket_errors: int  # wrk's connect/read/write/timeout errors (only if it hit its limit)
    seconds: float

    @property
    def complete(self) -> bool:
        """Every response wanted came back, all of them 200."""
        return self.ok == self.wanted and self.other == 0 and self.socket_errors == 0


def counting_lua(profile: Profile, count: int) -> str:
    """The profile's request script, stopping after ``count`` responses and tallying them."""
    return profile.lua() + (
        f"wanted = {count}\n"
        "ok, other = 0, 0\n"
        "response = function(status, headers, body)\n"
        "  if status == 200 then ok = ok + 1 else other = other + 1 end\n"
        "  if ok + other >= wanted then\n"
        '    io.write(string.format("soak: ok=%d other=%d\\n", ok, other))\n'
        "    io.flush()\n"
        "    os.exit(0)\n"
        "  end\n"
        "end\n"
        "threads = {}\n"
        "setup = function(thread) table.insert(threads, thread) end\n"
        "done = function(summary, latency, requests)\n"
        "  local good, bad = 0, 0\n"
        "  for _, thread in ipairs(threads) do\n"
        '    good = good + thread:get("ok")\n'
        '    bad = bad + thread:get("other")\n'
        "  end\n"
        '  io.write(string.format("soak: ok=%d other=%d\\n", good, bad))\n'
        "end\n"
    )


def parse_tally(output: str) -> tuple[int, int]:
    match = TALLY.search(output)
    if match is None:
        raise wrk.WrkError(f"no tally in wrk's output: {output.strip()[-200:]!r}")
    return int(match.group(1)), int(match.group(2))


def socket_errors(output: str) -> int:
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return sum(int(n) for n in match.groups()) if match else 0


def run(url: str, script: Path, count: int, connections: int, cpu: str | None) -> PhaseReport:
    """Send ``count`` requests over ``connections`` connections (wrk on ``cpu``)."""
    limit = 60 + count // SLOWEST_RATE
    command = ["wrk", "-t1", f"-c{connections}", f"-d{limit}s", "-s", str(script), url]
    started = time.monotonic()
    output = wrk.execute(command, cpu, limit + 60)
    ok, other = parse_tally(output)
    return PhaseReport(count, ok, other, socket_errors(output), time.monotonic() - started)
