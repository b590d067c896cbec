"""The fuzz target: a real ``HttpConnection`` fed one :class:`Plan`, and the checks on it.

The connection is built as the server builds one (``ServerState`` from a ``Config``, the
app's native handler when it has one) and attached to :class:`MemoryTransport`, a fake
transport that records what is written, closed, paused and resumed.  The event loop is a real
asyncio loop.  Each piece of the plan is handed to ``data_received``; between pieces the loop
runs until nothing changes (bounded: a loop that never goes idle is a hang), and the clock may
jump so deadlines fire.  At the end the client half-closes (``eof_received``) or not, and
``connection_lost`` follows.

A :class:`Finding` is raised (atheris then saves the input as a crash) when:

* an exception escapes ``data_received``/``eof_received``/``connection_lost``, or reaches the
  loop's exception handler, or squall logs an error (the apps never fail: it is the server's);
* the loop does not go idle within ``MAX_STEPS`` iterations, or an app task is still running
  after ``connection_lost``;
* a buffer outgrows its limit (head bytes, target, header fields, buffered body, pipeline);
* the written bytes are not well-formed HTTP/1.1 responses (responses.py), a response is left
  unfinished on an open connection, a write follows a close, or a 500 is written.

The limits are small (FUZZ_CONFIG) so that short inputs reach them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from bench.fuzz.apps import APPS
from bench.fuzz.plan import APP_NAMES, Plan
from bench.fuzz.responses import Malformed, check_responses
from squall.server.config import Config
from squall.server.http11.connection import HttpConnection
from squall.server.main import native_handler
from squall.server.state import ServerState

PEER: Final = ("127.0.0.1", 50000)
HOST: Final = ("127.0.0.1", 8000)
MAX_STEPS: Final = 2000  # loop iterations a piece may keep the loop busy
QUIET: Final = 3  # iterations without a change: the loop is idle
FUZZ_CONFIG: Final = {
    "max_request_line_size": 512,
    "max_header_size": 2048,
    "max_header_count": 16,
    "max_body_size": 8192,
    "read_buffer_high_water": 1024,
    "max_pipelined_requests": 4,
    "access_log": False,
    "forwarded_allow_ips": "*",  # proxy headers from the peer are applied
}


class Finding(AssertionError):
    """The server misbehaved on this input."""


class MemoryTransport:
    """An in-memory transport: records writes, close, pauses; refuses writes after a close."""

    def __init__(self, can_write_eof: bool) -> None:
        self.written = bytearray()
        self.closed = False
        self.eof_written = False
        self.paused = False
        self.pauses = 0
        self._can_write_eof = can_write_eof

    def write(self, data: bytes) -> None:
        if self.closed or self.eof_written:
            raise Finding(f"write after {'close' if self.closed else 'write_eof'}: {data[:80]!r}")
        self.written += data

    def is_closing(self) -> bool:
        return self.closed

    def can_write_eof(self) -> bool:
        return self._can_write_eof

    def write_eof(self) -> None:
        self.eof_written = True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": PEER, "sockname": HOST}.get(name, default)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0  # every write is taken at once: the client reads as fast as we write

    def pause_reading(self) -> None:
        self.paused = True
        self.pauses += 1

    def resume_reading(self) -> None:
        self.paused = False

    @property
    def delivers(self) -> bool:
        """Whether a real transport would hand the protocol more data now."""
        return not self.closed and not self.paused


class Problems(logging.Handler):
    """The loop's exception-handler calls and squall's error log records, as text."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.format(record))

    def on_loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        self.seen.append(f"loop exception handler: {context.get('message')} {exc!r}")


_LOOP: asyncio.AbstractEventLoop | None = None
_PROBLEMS = Problems()
_PROBLEMS.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))


def _loop() -> asyncio.AbstractEventLoop:
    """One loop and one log handler for every input: a fresh loop per input costs too much."""
    global _LOOP
    if _LOOP is None:
        _LOOP = asyncio.new_event_loop()
        _LOOP.set_exception_handler(_PROBLEMS.on_loop_exception)
        logging.getLogger("squall").addHandler(_PROBLEMS)
    return _LOOP


def run_plan(plan: Plan) -> bytes:
    """Serve ``plan`` on a fresh connection; return the bytes written; raise :class:`Finding`."""
    loop = _loop()
    _PROBLEMS.seen.clear()
    try:
        written = loop.run_until_complete(_serve(loop, plan))
    except Finding:
        raise
    except Exception as exc:
        raise Finding(f"an exception escaped the connection: {exc!r}") from exc
    finally:
        _cancel_leftovers(loop)
    if _PROBLEMS.seen:
        raise Finding("errors reported:\n" + "\n".join(_PROBLEMS.seen))
    return written


def make_connection(plan: Plan, loop: asyncio.AbstractEventLoop) -> HttpConnection:
    app = APPS[APP_NAMES.index(plan.app)]
    state = ServerState(Config(app=app, **FUZZ_CONFIG), app, loop)  # type: ignore[arg-type]
    state.native = native_handler(app)
    return HttpConnection(state)


async def _serve(loop: asyncio.AbstractEventLoop, plan: Plan) -> bytes:
    conn = make_connection(plan, loop)
    transport = MemoryTransport(plan.can_write_eof)
    conn.connection_made(transport)  # type: ignore[arg-type]
    for step in plan.steps:
        if step.tick:
            conn.state.now += step.tick
            conn.state.expire_idle_connections()
            await _settle(transport)
        if not transport.delivers:
            break  # a real transport delivers nothing more now
        conn.data_received(step.data)
        check_bounds(conn, len(step.data))
        await _settle(transport)
        check_bounds(conn, len(step.data))
        _check_written(transport)
    if plan.eof and not transport.closed:
        conn.eof_received()  # returns None: the transport closes, as asyncio's does
    transport.closed = True
    conn.connection_lost(None)
    await _settle(transport)
    statuses = _check_written(transport)
    if 500 in statuses:
        raise Finding(f"the server answered 500: {bytes(transport.written)[-300:]!r}")
    _check_apps_finished(loop)
    return bytes(transport.written)


def _check_written(transport: MemoryTransport) -> tuple[int, ...]:
    """The statuses written so far; a Finding unless they are well-formed responses, each
    complete while the connection is open (the loop is idle: nothing is left to write)."""
    try:
        closed = transport.closed or transport.eof_written
        return check_responses(bytes(transport.written), closed).statuses
    except Malformed as exc:
        raise Finding(f"malformed response: {exc}") from exc


async def _settle(transport: MemoryTransport) -> None:
    """Run the loop until it is idle: no callback ready to run and the transport unchanged
    for QUIET iterations.  A loop still busy after MAX_STEPS iterations is a hang."""
    loop = asyncio.get_running_loop()
    quiet = 0
    last: tuple[Any, ...] = ()
    for _ in range(MAX_STEPS):
        await asyncio.sleep(0)
        now = (len(transport.written), transport.closed, transport.paused, transport.pauses)
        idle = now == last and not loop._ready  # type: ignore[attr-defined]  # asyncio's queue
        quiet = quiet + 1 if idle else 0
        if quiet >= QUIET:
            return
        last = now
    raise Finding(f"the loop never went idle ({MAX_STEPS} iterations)")


def check_bounds(conn: HttpConnection, piece: int) -> None:
    """The connection's buffers stay within the configured limits (plus the piece just read)."""
    if conn.broken:
        return
    state = conn.state
    head_limit = state.max_request_line_size + state.max_header_size
    fields = sum(len(name) + len(value) for name, value in conn._headers)
    exchanges = [e for e in (conn.exchange, conn.incoming, *conn.pipeline) if e is not None]
    buffered = sum(e._buffered for e in set(exchanges))
    body_limit = (state.max_pipelined_requests + 2) * state.read_buffer_high_water + piece
    measures = {
        "head bytes": (conn._head_bytes, head_limit),
        "request target": (len(conn._url), state.max_request_line_size),
        "header fields": (fields, head_limit),
        "buffered body": (buffered, body_limit),
        "pipelined requests": (len(conn.pipeline), state.max_pipelined_requests + piece // 16 + 1),
    }
    for what, (size, limit) in measures.items():
        if size > limit:
            raise Finding(f"{what}: {size} > {limit}")


def _check_apps_finished(loop: asyncio.AbstractEventLoop) -> None:
    current = asyncio.current_task(loop)
    left = [task for task in asyncio.all_tasks(loop) if task is not current]
    if left:
        raise Finding(f"{len(left)} app task(s) still running after connection_lost: {left[0]!r}")


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed input left running, so the next input starts clean.

    Cancelling a request can finish its response and so start the connection's worker task:
    cancel again until nothing is left."""
    for _ in range(10):
        tasks = asyncio.all_tasks(loop)
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
