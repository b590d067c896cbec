"""The seed's raw ASGI app, counting the requests each process serves (the --workers profile).

Each serving process keeps its count in an 8-byte file ``$BENCH_COUNT_DIR/<pid>``, mapped
into memory: one store per request, readable by the bench at any time, whichever server
forks, spawns or kills its workers.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import Any

from bench.apps.asgi_raw import app as counted

COUNTER = struct.Struct("Q")
_slot: mmap.mmap | None = None
_served = 0


def _open_slot() -> mmap.mmap:
    directory = os.environ["BENCH_COUNT_DIR"]
    fd = os.open(os.path.join(directory, str(os.getpid())), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.ftruncate(fd, COUNTER.size)
        return mmap.mmap(fd, COUNTER.size)
    finally:
        os.close(fd)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _slot, _served
    if scope["type"] == "http":
        if _slot is None:
            _slot = _open_slot()
        _served += 1
        COUNTER.pack_into(_slot, 0, _served)
    await counted(scope, receive, send)


def served_per_process(directory: str) -> dict[int, int]:
    """What each process that served at least one request has served so far."""
    counts = {}
    for name in os.listdir(directory):
        with open(os.path.join(directory, name), "rb") as file:
            data = file.read(COUNTER.size)
        if len(data) == COUNTER.size:
            counts[int(name)] = COUNTER.unpack(data)[0]
    return counts
