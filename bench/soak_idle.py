"""Idle keep-alive connections: each sends one POST /user, reads its answer and stays open.

The soak holds thousands of them against a server and reads the server's memory growth per
connection; the client is asyncio in the soak's own process (the file limit raised to the hard
one, which the servers started after inherit).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from bench.profiles import USER_JSON

OPENING_AT_ONCE = 128  # connections being opened at the same time: stays under any backlog
REQUEST = (
    b"POST /user HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(USER_JSON)).encode() + b"\r\n\r\n" + USER_JSON
)


class IdleError(RuntimeError):
    """An idle connection could not be opened, or its one request was not answered 200."""


async def answered_status(reader: asyncio.StreamReader) -> int:
    """Read one response (head and Content-Length body); its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    length = 0
    for field in fields:
        name, _, value = field.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def open_one(
    port: int, gate: asyncio.Semaphore
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(REQUEST)
        status = await answered_status(reader)
        if status != 200:
            writer.close()
            raise IdleError(f"status {status}")
        return reader, writer


async def open_idle(port: int, count: int) -> list[asyncio.StreamWriter]:
    """``count`` connections, each answered 200 once and left open (their writers)."""
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    opened = await asyncio.gather(
        *(open_one(port, gate) for _ in range(count)), return_exceptions=True
    )
    writers = [pair[1] for pair in opened if not isinstance(pair, BaseException)]
    failures = [error for error in opened if isinstance(error, BaseException)]
    if failures:
        close_all(writers)
        raise IdleError(f"{len(failures)} of {count} idle connections failed: {failures[0]!r}")
    return writers


def close_all(writers: list[asyncio.StreamWriter]) -> None:
    for writer in writers:
        writer.close()


@contextlib.contextmanager
def idle_connections(port: int, count: int) -> Iterator[int]:
    """Hold ``count`` idle keep-alive connections open for the block; yields how many."""
    loop = asyncio.new_event_loop()
    writers: list[asyncio.StreamWriter] = []
    try:
        writers = loop.run_until_complete(open_idle(port, count))
        yield len(writers)
    finally:
        close_all(writers)
        loop.run_until_complete(asyncio.sleep(0))  # let the transports close
        loop.close()
