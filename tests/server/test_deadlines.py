"""The deadline wheel (squall.server.transport.Deadlines) on real connection objects.

The compiled build types the wheel's members as ``StreamConnection``, so the connections are
real ``HttpConnection`` objects on a ``ServerState``, over a transport that only counts what
is done to it.  The clock is whatever the test says it is: nothing here sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from squall.server.config import Config
from squall.server.http11.connection import HttpConnection
from squall.server.state import ServerState
from squall.server.transport import SLOT, Deadlines, StreamConnection

START = 1000.0  # the fake clock's reading when each test begins


class CountingTransport:
    """Counts ``close`` calls: a connection whose deadline passes closes its transport."""

    __slots__ = ("closes", "written")

    def __init__(self) -> None:
        self.closes = 0
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def is_closing(self) -> bool:
        return False  # so that a second (wrong) on_deadline would close, and be counted, again

    def can_write_eof(self) -> bool:
        return False  # close at once: no lingering deadline filed behind the one under test

    def close(self) -> None:
        self.closes += 1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


@pytest.fixture
def state() -> Iterator[ServerState]:
    loop = asyncio.new_event_loop()
    try:
        state = ServerState(Config(app=None, access_log=False), None, loop)
        state.now = START
        state.deadlines = Deadlines(START)
        yield state
    finally:
        loop.close()


def connection(state: ServerState) -> tuple[HttpConnection, CountingTransport]:
    """A connection with no deadline yet, not in the server's connection set."""
    conn = HttpConnection(state)
    transport = CountingTransport()
    conn.transport = transport  # type: ignore[assignment]
    return conn, transport


def run_clock(state: ServerState, until: float, step: float = 0.01) -> Iterator[float]:
    """Advance the clock from START to ``until`` by ``step``, expiring at each reading."""
    ticks = round((until - START) / step)
    for tick in range(1, ticks + 1):
        now = START + tick * step
        state.now = now
        state.deadlines.expire(now)
        yield now


@pytest.mark.parametrize("seconds", [0.0, 0.05, 0.1, 0.25, 1.0, 3.33])
def test_a_connection_expires_once_its_deadline_has_passed_and_not_before(
    state: ServerState, seconds: float
) -> None:
    conn, transport = connection(state)
    conn.set_deadline(seconds)
    due = START + seconds
    assert conn.deadline == due
    fired_at = []
    for now in run_clock(state, START + seconds + 2):
        if transport.closes and not fired_at:
            fired_at.append(now)
    assert transport.closes == 1  # once, and never again in the two seconds after
    assert conn.deadline is None
    assert len(fired_at) == 1
    # Not before the deadline; late by at most the wheel's granularity (a slot and the step).
    assert due <= fired_at[0] <= due + 2 * SLOT + 0.011
    assert len(state.deadlines) == 0


def test_moving_a_deadline_later_keeps_the_connection_alive(state: ServerState) -> None:
    conn, transport = connection(state)
    conn.set_deadline(0.5)
    clock = run_clock(state, START + 5)
    for now in clock:
        if now >= START + 0.4:
            break
    state.now = START + 0.4
    conn.set_deadline(1.0)  # a new request: the deadline moves to 1.4
    for now in clock:
        if now < START + 1.4:
            assert transport.closes == 0, now
        if transport.closes:
            assert now <= START + 1.4 + 2 * SLOT + 0.011
            break
    assert transport.closes == 1


def test_a_deadline_moved_within_its_slot_is_kept_to_the_new_time(state: ServerState) -> None:
    conn, transport = connection(state)
    conn.set_deadline(0.51)
    slot = conn.slot
    state.now = START + 0.01
    conn.set_deadline(0.51)  # 1000.52: likely the same slot, at worst the next one
    assert conn.slot in (slot, slot + 1)
    for now in run_clock(state, START + 2):
        if now < START + 0.52:
            assert transport.closes == 0, now
    assert transport.closes == 1


def test_a_deadline_pushed_later_without_refiling_is_refiled_not_expired(
    state: ServerState,
) -> None:
    """``deadline`` set directly (not through set_deadline): its old slot must not fire it."""
    conn, transport = connection(state)
    conn.set_deadline(0.2)
    conn.deadline = START + 1.0
    for now in run_clock(state, START + 3):
        if now < START + 1.0:
            assert transport.closes == 0, now
    assert transport.closes == 1


def test_a_cleared_deadline_never_fires(state: ServerState) -> None:
    conn, transport = connection(state)
    conn.set_deadline(0.3)
    conn.deadline = None  # what the connection does when a request head arrives
    for _ in run_clock(state, START + 5):
        pass
    assert transport.closes == 0
    assert state.deadlines.examined == 1  # looked at once, when its slot came due, and dropped
    assert len(state.deadlines) == 0


def test_a_forgotten_connection_is_not_examined(state: ServerState) -> None:
    conn, transport = connection(state)
    conn.set_deadline(0.3)
    state.deadlines.forget(conn)
    for _ in run_clock(state, START + 2):
        pass
    assert transport.closes == 0
    assert state.deadlines.examined == 0


def test_a_deadline_already_past_fires_at_the_next_expiry(state: ServerState) -> None:
    state.deadlines.expire(START + 10)  # the wheel has moved on
    state.now = START + 10
    conn, transport = connection(state)
    state.deadlines.file(conn, START + 5)  # in the past: filed in the first slot still to come
    conn.deadline = START + 5
    state.deadlines.expire(START + 10 + SLOT)
    assert transport.closes == 1


def test_a_header_timeout_answers_408(state: ServerState) -> None:
    conn, transport = connection(state)
    conn.data_received(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # half a head: llhttp holds it
    assert conn.deadline == START + state.timeout_headers
    for _ in run_clock(state, START + state.timeout_headers + 1, step=0.05):
        pass
    assert transport.closes == 1
    assert b"".join(transport.written).startswith(b"HTTP/1.1 408 ")


MANY = 100_000


def test_idle_connections_far_from_their_deadlines_cost_nothing_per_tick(
    state: ServerState,
) -> None:
    wheel = state.deadlines
    # Bare StreamConnections (a tenth of an HttpConnection's size): their on_deadline raises
    # NotImplementedError, so expiring any of them would fail the test.
    conns = [StreamConnection(state) for _ in range(MANY)]
    for conn in conns:
        conn.set_deadline(3600)
    assert len(wheel) == MANY
    for tick in range(1, 601):  # a minute of server ticks
        wheel.expire(START + tick * SLOT)
    assert wheel.examined == 0
    assert len(wheel) == MANY
    assert all(conn.deadline == START + 3600 for conn in conns)


def test_connections_due_together_are_each_expired_exactly_once(state: ServerState) -> None:
    wheel = state.deadlines
    conns = [connection(state) for _ in range(MANY)]
    for conn, _ in conns:
        conn.set_deadline(1.0)
    for tick in range(1, 10):  # up to 0.9 s: none is due
        wheel.expire(START + tick * SLOT)
    assert wheel.examined == 0
    wheel.expire(START + 1.0 + 2 * SLOT)
    assert wheel.examined == MANY
    assert [transport.closes for _, transport in conns] == [1] * MANY
    assert all(conn.deadline is None for conn, _ in conns)
    for tick in range(13, 60):
        wheel.expire(START + tick * SLOT)
    assert wheel.examined == MANY  # nothing left to look at
    assert [transport.closes for _, transport in conns] == [1] * MANY
    assert len(wheel) == 0


@pytest.mark.parametrize("now", [1.8, 8.1, 21.2, 1000.4, 0.7, 12345.6])
def test_a_deadline_moved_later_within_its_slot_is_not_filed_again(
    state: ServerState, now: float
) -> None:
    # int(when / SLOT) * SLOT can round past ``when`` (6.8 / 0.1 is 68.00000000000001):
    # the filed slot's start must still never be later than the deadline filed in it.
    state.now = now
    state.deadlines = Deadlines(now)
    conn, _ = connection(state)
    conn.set_deadline(5.0)
    assert state.deadlines.filings == 1
    for _ in range(100):  # every keep-alive response moves the deadline to the same place
        conn.set_deadline(5.0)
    conn.set_deadline(5.0 + SLOT / 2)  # later: still no new filing
    assert state.deadlines.filings == 1
    conn.set_deadline(1.0)  # earlier, in an earlier slot: filed again
    assert state.deadlines.filings == 2
