"""``python -m bench.soak`` with tiny numbers: the machinery, never a timing.

The soak itself (a million requests) is a bench run by hand; here it runs 20,000 keep-alive
requests, 2,000 new connections and 500 idle connections against the framework app, and the
parts are checked against real servers: the counting wrk script, the idle connections.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import soak_load
from bench.profiles import PROFILES
from bench.soak_idle import IdleError, idle_connections
from bench.soak_report import Sample, SoakResult
from tests.server.serving import open_connections, serve, wait_until

REPO = Path(__file__).resolve().parents[2]
REQUESTS, CONNECTIONS, IDLE = 20_000, 2_000, 500
FRAMEWORK = "squall framework (native path)"

needs_wrk = pytest.mark.skipif(
    shutil.which("wrk") is None and os.environ.get("CI") != "true",
    reason="wrk is not installed (in CI it must be: .ci/run installs it)",
)

Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


def answering(statuses: Iterator[int]) -> Callable[..., Any]:
    """A raw ASGI app answering each request with the next status of ``statuses``."""

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body", False):
            pass  # the request body, read to its end
        await send({"type": "http.response.start", "status": next(statuses), "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


def every_third_fails() -> Iterator[int]:
    n = 0
    while True:
        n += 1
        yield 503 if n % 3 == 0 else 200


def forever(status: int) -> Iterator[int]:
    while True:
        yield status


def counted_run(tmp_path: Path, app: Callable[..., Any], count: int, close: bool) -> Any:
    profile = PROFILES["http10" if close else "post-user"]
    script = tmp_path / "count.lua"
    script.write_text(soak_load.counting_lua(profile, count))
    with serve(app, lifespan="off") as running:
        url = f"http://127.0.0.1:{running.port}/user"
        return soak_load.run(url, script, count, 4, None)


@needs_wrk
@pytest.mark.parametrize("close", [False, True], ids=["keep-alive", "new-connections"])
def test_the_wrk_script_counts_exactly_the_requests_asked_for(tmp_path: Path, close: bool) -> None:
    report = counted_run(tmp_path, answering(forever(200)), 3_000, close)
    assert (report.wanted, report.ok, report.other) == (3_000, 3_000, 0)
    assert report.complete


@needs_wrk
def test_the_wrk_script_counts_answers_that_are_not_200(tmp_path: Path) -> None:
    report = counted_run(tmp_path, answering(every_third_fails()), 3_000, close=False)
    assert report.ok + report.other == 3_000
    assert 900 <= report.other <= 1_100  # one in three, give or take the connections' order
    assert not report.complete


def test_idle_connections_stay_open_on_the_server() -> None:
    with serve(answering(forever(200)), lifespan="off", timeout_keep_alive=60) as running:
        with idle_connections(running.port, 50) as opened:
            assert opened == 50
            wait_until(lambda: open_connections(running) == 50, "50 idle connections")
        wait_until(lambda: open_connections(running) == 0, "the connections closed")


def test_an_idle_connection_answered_with_another_status_fails_the_measurement() -> None:
    with (
        serve(answering(forever(503)), lifespan="off") as running,
        pytest.raises(IdleError, match="503"),
        idle_connections(running.port, 5),
    ):
        pass


def samples(*rss: int) -> list[Sample]:
    return [Sample(float(i), "keep-alive", kib) for i, kib in enumerate(rss)]


def test_growth_is_measured_from_the_end_of_warm_up() -> None:
    # 0..10 s: warm-up ends at 1 s (10%): the climb from 100 to 200 before it does not count
    flat = SoakResult("flat", "ok", samples(100, 200, 201, 204, 230, 203, 205, 206, 208, 209, 209))
    assert flat.warm_kib == 200 and flat.end_kib == 209
    assert flat.growth_percent == pytest.approx(4.5)
    assert flat.max_growth_percent == pytest.approx(15.0)
    assert flat.verdict == "flat"
    leak = SoakResult("leak", "ok", samples(*range(100, 210, 10)))
    assert leak.growth_percent == pytest.approx((200 / 110 - 1) * 100)
    assert leak.verdict == "grows"


@pytest.fixture(scope="module")
def soak_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    if shutil.which("wrk") is None and os.environ.get("CI") != "true":
        pytest.skip("wrk is not installed (in CI it must be: .ci/run installs it)")
    out = tmp_path_factory.mktemp("soak")
    command = [
        sys.executable, "-m", "bench.soak", "--python", sys.executable,
        "--requests", str(REQUESTS), "--connections", str(CONNECTIONS), "--idle", str(IDLE),
        "--entries", "squall-framework", "--idle-entries", "squall-framework",
        "--interval", "0.1", "--out", str(out), "--name", "tiny",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    return out, done.stdout


def test_soak_counts_every_request_answered_200(soak_run: tuple[Path, str]) -> None:
    out, printed = soak_run
    table = (out / "tiny.md").read_text()
    assert table == printed.split("(no chart:")[0]
    row = next(line for line in table.splitlines() if line.startswith(f"| {FRAMEWORK} | "))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1:3] == [f"{REQUESTS:,}", f"{CONNECTIONS:,}"]
    warm, end = float(cells[3]), float(cells[4])
    assert warm > 0 and end > 0
    growth = float(cells[5].rstrip("%"))
    assert growth == pytest.approx((end / warm - 1) * 100, abs=0.6)  # MiB are rounded
    assert cells[7] in ("**flat**", "**grows**")


def test_soak_writes_every_sample_of_both_phases(soak_run: tuple[Path, str]) -> None:
    out, _ = soak_run
    with (out / "tiny.csv").open() as rows:
        samples = list(csv.DictReader(rows))
    assert {row["app"] for row in samples} == {FRAMEWORK}
    assert samples[0]["phase"] == "keep-alive"
    assert samples[-1]["phase"] == "connections"
    seconds = [float(row["seconds"]) for row in samples]
    assert seconds == sorted(seconds)
    assert all(int(row["rss_kib"]) > 1024 for row in samples)


def test_soak_reports_memory_per_idle_connection(soak_run: tuple[Path, str]) -> None:
    out, _ = soak_run
    table = (out / "tiny.md").read_text()
    idle = re.search(rf"^\| {re.escape(FRAMEWORK)} \| {IDLE} \| .* \| ([\d.]+) \|$", table, re.M)
    assert idle, table
    assert float(idle.group(1)) > 0  # every open connection costs the server something


def test_soak_plots_rss_over_time(soak_run: tuple[Path, str]) -> None:
    pytest.importorskip("matplotlib")
    out, _ = soak_run
    assert (out / "tiny.png").read_bytes().startswith(b"\x89PNG")
