"""The fuzz target's checks (bench/fuzz/target.py, responses.py) catch what they are for.

The bounded campaign (test_fuzz_bounded.py) passes only if the target finds nothing; these
tests show the target would have found something: a hanging app, a failing app, an app task
left running, a buffer past its limit, malformed or unfinished responses.  And a good plan
passes on each of the three apps (ASGI whole, ASGI streaming, framework on the native path).
The seed corpus holds every regression case, so each campaign runs them first.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from bench.fuzz import target
from bench.fuzz.plan import APP_NAMES, MAX_PIECES, Plan, Step, encode, encode_plan
from bench.fuzz.responses import Malformed, check_responses, parse_responses
from bench.fuzz.seeds import CORPUS as SEEDS
from bench.fuzz.seeds import REGRESSIONS
from bench.fuzz.target import Finding, check_bounds, run_plan

REGRESSIONS_CASES = sorted(REGRESSIONS.glob("*.json"))
GOOD = (
    b"POST /stream HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
    b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
)


def pieces(data: bytes, size: int) -> tuple[Step, ...]:
    return tuple(Step(data[i : i + size]) for i in range(0, len(data), size))


@pytest.mark.parametrize("app", APP_NAMES)
@pytest.mark.parametrize("size", [1, 7, len(GOOD)])
def test_good_requests_pass_on_every_app(app: str, size: int) -> None:
    written = run_plan(Plan(app, pieces(GOOD, size)))
    assert parse_responses(written).statuses == (200, 200, 200)


def test_clock_jumps_fire_the_deadlines() -> None:
    plan = Plan("whole", (Step(b"GET / HTTP/1.1\r\n"), Step(b"Host: a\r\n", tick=11.0)))
    assert parse_responses(run_plan(plan)).statuses == (408,)


async def never_returns(scope: Any, receive: Any, send: Any) -> None:
    await asyncio.Event().wait()


async def raises(scope: Any, receive: Any, send: Any) -> None:
    raise RuntimeError("boom")


async def busy(scope: Any, receive: Any, send: Any) -> None:
    while True:
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("app", "found"),
    [
        (never_returns, "still running after connection_lost"),
        (raises, "answered 500"),
        (busy, "never went idle"),
    ],
)
def test_a_misbehaving_server_is_a_finding(
    monkeypatch: pytest.MonkeyPatch, app: Any, found: str
) -> None:
    monkeypatch.setattr(target, "APPS", (app,) * len(APP_NAMES))
    with pytest.raises(Finding, match=found):
        run_plan(Plan("whole", (Step(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),)))
    monkeypatch.undo()
    run_plan(Plan("whole", (Step(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),)))  # left clean


def test_buffers_past_their_limits_are_findings() -> None:
    conn = target.make_connection(Plan("whole", ()), asyncio.new_event_loop())
    conn._url = b"/" * 600
    with pytest.raises(Finding, match="request target"):
        check_bounds(conn, 10)
    conn.broken = True  # a failed connection answers and closes: its buffers no longer count
    check_bounds(conn, 10)


@pytest.mark.parametrize(
    "written",
    [
        b"HTTP/1.0 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokX",
        b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokX0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\ncontent-length: 2\r\n\r\n",
    ],
)
def test_malformed_responses_are_caught(written: bytes) -> None:
    with pytest.raises(Malformed):
        check_responses(written, closed=True)


def test_an_unfinished_response_needs_a_closed_connection() -> None:
    written = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n"
    assert not check_responses(written, closed=True).complete
    with pytest.raises(Malformed, match="unfinished"):
        check_responses(written, closed=False)


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
def test_seed_encoding_decodes_to_its_plan() -> None:
    from bench.fuzz.plan import decode

    stream = GOOD * 2
    sizes = [1 + i % 9 for i in range(MAX_PIECES)]
    plan = decode(encode("streaming", stream, sizes, flags=3))
    assert plan.app == "streaming"
    assert [len(step.data) for step in plan.steps[:-1]] == sizes
    assert plan.stream == stream
    assert plan.can_write_eof and not plan.eof
    assert all(step.tick == 0 for step in plan.steps)


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
@pytest.mark.parametrize("case", REGRESSIONS_CASES, ids=[c.stem for c in REGRESSIONS_CASES])
def test_regression_cases_are_seeds(case: Path) -> None:
    from bench.fuzz.plan import decode

    plan = Plan.from_json(json.loads(case.read_text()))
    assert decode(encode_plan(plan)) == plan
    assert encode_plan(plan) in {seed.read_bytes() for seed in SEEDS.iterdir()}
