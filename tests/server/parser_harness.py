"""A real ``HttpConnection`` fed in-process, to compare what its two parsers make of bytes.

Squall reads a request head with the compiled plain-head scan (http11/plain.py) when the head
is plain and arrives whole at a message boundary, and with llhttp (httptools) otherwise.  The
differential tests feed the same byte stream to a connection several ways (whole or cut into
pieces, with the plain scan on or off) and require the same :class:`Outcome` every time.

The seam: ``HttpConnection.max_head_size`` bounds the head the plain scan looks at; set to 0,
the scan sees no method and leaves every head to llhttp (``llhttp_only``).  Nothing in the
server changes for this, so the switch costs the hot path nothing.

The transport (the fuzz target's in-memory one, bench/fuzz/target.py) is fake but honest about
flow control: while the connection has paused reading, no more data is delivered (as a real
transport would), and nothing is delivered after a close.
The loop is a real asyncio loop; between reads it runs until the connection and the app have
nothing left to do, so an app that reads its body sees every piece that has arrived.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.fuzz.target import MemoryTransport
from squall.server.config import Config
from squall.server.http11.connection import HttpConnection
from squall.server.state import ServerState

STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")
SETTLE_ROUNDS = 3  # loop iterations without any change before the connection counts as idle


@dataclass
class Seen:
    """One request as the app saw it."""

    method: str
    target: tuple[bytes, bytes]  # raw_path, query_string
    version: str
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytearray = field(default_factory=bytearray)
    end: str = "pending"  # "complete", "disconnect", or "pending" (still reading its body)

    def frozen(self) -> tuple[Any, ...]:
        return (self.method, self.target, self.version, self.headers, bytes(self.body), self.end)


@dataclass(frozen=True)
class Outcome:
    """What one run produced: the requests, the statuses written back, and the end state."""

    requests: tuple[tuple[Any, ...], ...]
    statuses: tuple[int, ...]
    closed: bool
    plain_heads: int = field(compare=False)
    llhttp_heads: int = field(compare=False)


class Recorder:
    """An ASGI app that records each request (head and whole body), then answers 200 "ok"."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = tuple((bytes(n), bytes(v)) for n, v in scope["headers"])
        target = (scope["raw_path"], scope["query_string"])
        seen = Seen(scope["method"], target, scope["http_version"], headers)
        self.seen.append(seen)
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                seen.end = "disconnect"
                return
            seen.body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        seen.end = "complete"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


_LOOP: asyncio.AbstractEventLoop | None = None


def _loop() -> asyncio.AbstractEventLoop:
    """One loop for every run: making a loop per example would cost more than the run."""
    global _LOOP
    if _LOOP is None or _LOOP.is_closed():
        _LOOP = asyncio.new_event_loop()
    return _LOOP


def pieces(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    """``data`` cut at each offset in ``cuts`` (offsets outside 1..len-1 are ignored)."""
    points = sorted({cut for cut in cuts if 0 < cut < len(data)})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def run(data: bytes, cuts: Sequence[int] = (), *, llhttp_only: bool = False) -> Outcome:
    """Feed ``data`` (cut at ``cuts``) to a fresh connection and return what came of it."""
    loop = _loop()
    return loop.run_until_complete(_drive(loop, pieces(data, cuts), llhttp_only))


async def _drive(
    loop: asyncio.AbstractEventLoop, chunks: list[bytes], llhttp_only: bool
) -> Outcome:
    app = Recorder()
    config = Config(app=app, access_log=False, proxy_headers=False)
    state = ServerState(config, app, loop)
    conn = HttpConnection(state)
    if llhttp_only:
        conn.max_head_size = 0  # the plain scan reads no head: all are llhttp's (see above)
    transport = MemoryTransport(can_write_eof=False)
    conn.connection_made(transport)  # type: ignore[arg-type]
    for index, chunk in enumerate(chunks):
        if index:
            await _settle(transport, app)
        if transport.closed or transport.paused:
            break  # a real transport delivers nothing more now
        conn.data_received(chunk)
    await _settle(transport, app)
    outcome = Outcome(
        # A request whose body could not be framed is answered with an error; whether its app
        # had started (and saw a disconnect) or not depends on read timing, not parsing.
        requests=tuple(seen.frozen() for seen in app.seen if seen.end != "disconnect"),
        # 100 Continue is interim and timing's: not sent when the body came with the head.
        statuses=tuple(int(s) for s in STATUS.findall(bytes(transport.written)) if s != b"100"),
        closed=transport.closed,
        plain_heads=conn.plain_heads,
        llhttp_heads=conn.llhttp_heads,
    )
    transport.closed = True
    conn.connection_lost(None)  # wakes any app still waiting for its body
    await _settle(transport, app)
    return outcome


async def _settle(transport: MemoryTransport, app: Recorder) -> None:
    """Run the loop until nothing has changed for SETTLE_ROUNDS iterations in a row."""
    quiet = 0
    last: tuple[Any, ...] = ()
    while quiet < SETTLE_ROUNDS:
        await asyncio.sleep(0)
        now = (
            len(transport.written),
            transport.closed,
            transport.paused,
            tuple(seen.frozen() for seen in app.seen),
        )
        quiet = quiet + 1 if now == last else 0
        last = now
