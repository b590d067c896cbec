"""The bench runs end to end (1 s per Squall entry) and writes a well-formed report.

This asserts the shape of the output and that every Squall entry answered correctly,
never a speed: speed is measured by running ``python -m bench`` on a quiet machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import wrk
from bench.entries import ENTRIES

REPO = Path(__file__).resolve().parents[2]


def test_wrk_output_is_parsed() -> None:
    output = """Running 1s test @ http://127.0.0.1:8000/user
  1 threads and 10 connections
  Latency Distribution
     50%  155.00us
     75%  200.00us
     90%  1.20ms
     99%    2.50ms
  55000 requests in 1.00s, 8.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  55000.50
"""
    report = wrk.parse(output)
    assert report.requests == 55000
    assert report.requests_per_second == 55000.5
    assert report.p50_us == 155.0
    assert report.p99_us == 2500.0
    assert report.errors == 3


@pytest.mark.skipif(
    shutil.which("wrk") is None and os.environ.get("CI") != "true",
    reason="wrk is not installed (in CI it must be: .ci/run installs it)",
)
@pytest.mark.parametrize("profile", ["post-user", "upload"])
def test_smoke_run_writes_a_table_json_for_every_squall_entry(tmp_path: Path, profile: str) -> None:
    command = [sys.executable, "-m", "bench", "--smoke", "--profile", profile]
    result = subprocess.run(
        [*command, "--out", str(tmp_path), "--name", "smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    data = json.loads((tmp_path / "smoke.json").read_text())
    squall_entries = [e.name for e in ENTRIES if e.squall]
    assert [r["name"] for r in data["results"]] == squall_entries
    measured = [row for row in data["results"] if row["status"] == "ok"]
    assert measured, data["results"]
    for row in data["results"]:
        assert row["status"] == "ok" or row["status"].startswith("skipped: its app has no"), row
    for row in measured:
        assert row["requests_per_second"] > 0
        assert row["cpu_us_per_request"] > 0
        assert row["peak_rss_mib"] > 0
        assert 0 < row["p50_us"] <= row["p99_us"]
    table = (tmp_path / "smoke.md").read_text().splitlines()
    assert table[0].startswith("| entry | req/s | decay % |")
    for name in squall_entries:
        assert any(line.startswith(f"| {name} | ") for line in table)
    assert data["machine"]["python"]
    assert data["machine"]["profile"] == profile
