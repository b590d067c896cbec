"""The --ws-echo load generator: a picows client (compiled frame codec) in its own process.

Run by the bench with the bench venv's python, pinned to the client CPU::

    python -m bench.ws_load check URL                 # one echo of each kind: is it right?
    python -m bench.ws_load echo URL -c 512 --kind text --size 5
    python -m bench.ws_load idle URL -c 10000         # open idle sockets, hold them

``check`` prints one JSON line and exits. ``echo`` opens its connections, prints a JSON
line, then answers commands read from stdin, one per line: ``run SECONDS`` runs a round
(one message in flight per connection: each echo sends the next) and prints its JSON line;
``quit`` closes. ``idle`` opens its sockets, prints a JSON line, and holds them until stdin
gives a line (or closes). Every JSON line carries ``wrong``: None, or what was wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from array import array
from collections.abc import Sequence
from typing import Any

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

KINDS = {"text": WSMsgType.TEXT, "binary": WSMsgType.BINARY}
CHECK_SIZE = 16 * 1024
HANDSHAKES_AT_ONCE = 100  # a listen backlog of 100 (websockets' default) is never overrun
DRAIN_TIMEOUT = 10.0


def payload(kind: str, size: int) -> bytes:
    """What is sent: ASCII text ("hello" at 5 bytes), or bytes that are not all alike."""
    if kind == "text":
        return (b"hello" * (size // 5 + 1))[:size]
    return os.urandom(size)


class Round:
    """One measured round shared by every connection: the clock, the counts, the round trips."""

    def __init__(self, seconds: float) -> None:
        self.started_ns = time.perf_counter_ns()
        self.deadline_ns = self.started_ns + int(seconds * 1e9)
        self.counted = 0  # echoes back before the deadline
        self.total = 0  # echoes back, those drained after the deadline included
        self.round_trips_ns = array("q")
        self.in_flight = 0
        self.wrong: str | None = None
        self.drained = asyncio.get_running_loop().create_future()

    def landed(self) -> None:
        """A connection is done with this round (the deadline passed, or it went wrong)."""
        self.in_flight -= 1
        if self.in_flight == 0 and not self.drained.done():
            self.drained.set_result(None)

    def abort(self, wrong: str) -> None:
        """Something went wrong: the round ends now, whatever is still in flight."""
        self.wrong = self.wrong or wrong
        if not self.drained.done():
            self.drained.set_result(None)

    def report(self) -> dict[str, Any]:
        trips = sorted(self.round_trips_ns)
        return {
            "messages": self.counted,
            "messages_total": self.total,
            "seconds": (self.deadline_ns - self.started_ns) / 1e9,
            "p50_us": _percentile(trips, 0.50) / 1000,
            "p99_us": _percentile(trips, 0.99) / 1000,
            "wrong": self.wrong,
        }


def _percentile(ordered: Sequence[int], fraction: float) -> float:
    if not ordered:
        return 0.0
    return float(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))])


class Echoer(WSListener):
    """One connection: sends the message, checks each echo, sends the next while the round
    lasts. A message may come back in fragments: they are added up until the last."""

    def __init__(self, kind: str, message: bytes) -> None:
        self.msg_type = KINDS[kind]
        self.message = message
        self.size = len(message)
        self.transport: WSTransport | None = None
        self.round: Round | None = None
        self.sent_ns = 0
        self.received = 0  # bytes of the message coming back so far
        self.first_type: WSMsgType | None = None
        self.check_content = True  # the whole content of each round's first echo is compared
        self.gone = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.gone = True
        if self.round is not None:
            self.round.abort("the server closed a connection")

    def start(self, current: Round) -> None:
        if self.gone:
            current.abort("the server closed a connection")
            return
        self.round = current
        self.check_content = True
        current.in_flight += 1
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.sent_ns = time.perf_counter_ns()
        self.transport.send(self.msg_type, self.message)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        current = self.round
        if current is None:
            return
        if (  # the usual echo, whole in one frame, of the kind and size sent: no more checks
            frame.fin
            and not self.received
            and not self.check_content
            and frame.msg_type == self.msg_type
            and frame.payload_size == self.size
        ):
            self.next(transport, current)
        elif frame.msg_type in (WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION):
            self.check(transport, frame, current)
        # else a ping (picows answers it) or the server's close (on_ws_disconnected follows)

    def next(self, transport: WSTransport, current: Round) -> None:
        """An echo is back: count it and, while the round lasts, send the next message."""
        now = time.perf_counter_ns()
        current.total += 1
        if now < current.deadline_ns and current.wrong is None:
            current.counted += 1
            current.round_trips_ns.append(now - self.sent_ns)
            self.sent_ns = now
            transport.send(self.msg_type, self.message)
        else:
            self.round = None
            current.landed()

    def check(self, transport: WSTransport, frame: WSFrame, current: Round) -> None:
        """A fragment, or a message to check whole (each round's first), or a wrong one."""
        if self.first_type is None:
            self.first_type = frame.msg_type
        self.received += frame.payload_size
        if not frame.fin:
            return
        wrong = self.wrong_echo(self.first_type, self.received)
        if wrong is None and self.check_content and self.received == frame.payload_size:
            wrong = self.wrong_content(frame.get_payload_as_bytes())  # one frame: all of it
            self.check_content = False
        self.received, self.first_type = 0, None
        if wrong:
            current.abort(wrong)
        self.next(transport, current)

    def wrong_echo(self, msg_type: WSMsgType, size: int) -> str | None:
        if msg_type != self.msg_type:
            return f"sent {self.msg_type.name}, echoed {msg_type.name}"
        if size != len(self.message):
            return f"sent {len(self.message)} bytes, echoed {size}"
        return None

    def wrong_content(self, echoed: bytes) -> str | None:
        return None if echoed == self.message else f"echo differs: {echoed[:40]!r}"


async def open_connections(url: str, count: int, factory: Any, buffer: int) -> list[Any]:
    """``count`` connections, at most HANDSHAKES_AT_ONCE handshakes at a time."""
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)

    async def one() -> Any:
        async with gate:
            return await ws_connect(factory, url, read_buffer_init_size=buffer)

    return list(await asyncio.gather(*(one() for _ in range(count))))


def say(payload: dict[str, Any]) -> None:
    print(json.dumps(payload), flush=True)


async def read_line() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def run_round(echoers: list[Echoer], seconds: float) -> dict[str, Any]:
    current = Round(seconds)
    for echoer in echoers:
        echoer.start(current)
    # each echo sends the next until the deadline, then the last ones drain
    await asyncio.wait_for(current.drained, seconds + DRAIN_TIMEOUT)
    return current.report()


async def echo(url: str, connections: int, kind: str, size: int) -> None:
    message = payload(kind, size)
    opened = await open_connections(url, connections, lambda: Echoer(kind, message), 64 * 1024)
    echoers: list[Echoer] = [listener for _, listener in opened]
    say({"open": len(echoers), "wrong": None})
    while (line := (await read_line()).split()) and line[0] == "run":
        try:
            say(await run_round(echoers, float(line[1])))
        except TimeoutError:
            say({"wrong": "echoes stopped coming back"})
            break
    for transport, _ in opened:
        transport.disconnect()


class Quiet(WSListener):
    """An idle connection: sends nothing, and picows answers the server's pings."""


async def idle(url: str, connections: int) -> None:
    opened = await open_connections(url, connections, Quiet, 1024)
    say({"open": len(opened), "wrong": None})
    await read_line()
    for transport, _ in opened:
        transport.disconnect()


class Checker(WSListener):
    def __init__(self) -> None:
        self.frames: asyncio.Queue[tuple[WSMsgType, bytes, bool]] = asyncio.Queue()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        self.frames.put_nowait((frame.msg_type, frame.get_payload_as_bytes(), frame.fin))


async def check_one(url: str) -> str | None:
    """A 5-byte text and a 16 KiB binary message, each echoed whole, same kind, same bytes."""
    transport, checker = await ws_connect(Checker, url)
    assert isinstance(checker, Checker)
    try:
        for kind, size in (("text", 5), ("binary", CHECK_SIZE)):
            sent = payload(kind, size)
            transport.send(KINDS[kind], sent)
            first, data, fin = await asyncio.wait_for(checker.frames.get(), 5)
            while not fin:
                _, more, fin = await asyncio.wait_for(checker.frames.get(), 5)
                data += more
            if first != KINDS[kind]:
                return f"sent {kind}, echoed {first.name}"
            if data != sent:
                return f"{kind} echo differs: {data[:40]!r}"
        return None
    finally:
        transport.disconnect()


async def check(url: str) -> None:
    try:
        wrong = await check_one(url)
    except Exception as error:  # refused, closed, timed out: all are a wrong answer
        wrong = f"{type(error).__name__}: {error}"
    say({"wrong": wrong})


def allow_many_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ws_load", description=__doc__)
    parser.add_argument("mode", choices=("check", "echo", "idle"))
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=512)
    parser.add_argument("--kind", choices=list(KINDS), default="text")
    parser.add_argument("--size", type=int, default=5, help="message size in bytes")
    args = parser.parse_args(argv)
    allow_many_files()
    if args.mode == "check":
        work = check(args.url)
    elif args.mode == "echo":
        work = echo(args.url, args.connections, args.kind, args.size)
    else:
        work = idle(args.url, args.connections)
    try:
        import uvloop

        uvloop.run(work)
    except ImportError:
        asyncio.run(work)


if __name__ == "__main__":
    main()
