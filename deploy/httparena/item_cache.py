"""The crud item cache, shared by every worker: 200 ms absolute TTL, entries are an item's JSON.

HttpArena's validation asks for ``GET /crud/items/42`` twice on two connections and wants
``X-Cache: MISS`` then ``HIT``; the second request may reach another worker process, so a
per-process dict will not do.  Two kinds:

- ``RedisCache`` when ``REDIS_URL`` is set (the benchmark's crud run has a Redis): ``SET PX``,
  ``GET``, ``DEL`` through redis-py's asyncio client.
- ``SharedTableCache`` otherwise: a table of fixed slots in a file under /dev/shm that every
  worker maps (the launcher makes it and names it in ``HTTPARENA_CACHE_FILE``).  An id lives in
  slot ``id % slots``; a slot holds the id, its expiry (CLOCK_MONOTONIC, the same clock for all
  processes), the JSON and a CRC-32 over them.  Each read or write is one copy of the slot,
  with no lock: a read torn by a concurrent write fails the CRC and counts as a miss, so a
  reader never gets mixed bytes.

Without ``HTTPARENA_CACHE_FILE`` (the app served on its own by one process) the table is an
anonymous mapping of that process.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
import zlib
from typing import Final, Protocol

TTL_SECONDS: Final = 0.2
SLOT_SIZE: Final = 512
SLOTS: Final = 32768  # 16 MiB: the crud profile's GETs ask for ids 1..50000
HEADER: Final = struct.Struct("<IqdI")  # crc32, id, expires (monotonic seconds), length
CAPACITY: Final = SLOT_SIZE - HEADER.size
TABLE_SIZE: Final = SLOTS * SLOT_SIZE


class ItemCache(Protocol):
    async def get(self, item_id: int) -> bytes | None: ...

    async def put(self, item_id: int, body: bytes) -> None: ...

    async def forget(self, item_id: int) -> None: ...


def create_table_file(path: str) -> str:
    """Make the zero-filled table file (the launcher calls this before starting workers)."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.ftruncate(descriptor, TABLE_SIZE)
    finally:
        os.close(descriptor)
    return path


def map_table(path: str | None) -> mmap.mmap:
    if path is None:
        return mmap.mmap(-1, TABLE_SIZE)
    descriptor = os.open(path, os.O_RDWR)
    try:
        return mmap.mmap(descriptor, TABLE_SIZE, flags=mmap.MAP_SHARED)
    finally:
        os.close(descriptor)


def checksum(item_id: int, expires: float, body: bytes) -> int:
    return zlib.crc32(body, zlib.crc32(struct.pack("<qd", item_id, expires)))


class SharedTableCache:
    """Fixed slots in a shared mapping; see the module's docstring."""

    def __init__(self, path: str | None) -> None:
        self.table = map_table(path)

    def slot(self, item_id: int) -> int:
        return (item_id % SLOTS) * SLOT_SIZE

    async def get(self, item_id: int) -> bytes | None:
        start = self.slot(item_id)
        record = self.table[start : start + SLOT_SIZE]  # one copy: later checks see no writer
        crc, stored_id, expires, length = HEADER.unpack_from(record)
        if stored_id != item_id or length > CAPACITY or expires < time.monotonic():
            return None
        body = record[HEADER.size : HEADER.size + length]
        if checksum(stored_id, expires, body) != crc:
            return None  # torn by a concurrent write
        return body

    async def put(self, item_id: int, body: bytes) -> None:
        if len(body) > CAPACITY:
            return  # too big for a slot: such an item is simply never cached
        expires = time.monotonic() + TTL_SECONDS
        header = HEADER.pack(checksum(item_id, expires, body), item_id, expires, len(body))
        start = self.slot(item_id)
        self.table[start : start + HEADER.size + len(body)] = header + body

    async def forget(self, item_id: int) -> None:
        start = self.slot(item_id)
        self.table[start : start + HEADER.size] = bytes(HEADER.size)  # id 0: empty


class RedisCache:
    """The same three operations on a Redis server (keys ``item:<id>``)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio

        self.client = redis.asyncio.Redis.from_url(url)

    async def get(self, item_id: int) -> bytes | None:
        value = await self.client.get(f"item:{item_id}")
        return value if isinstance(value, bytes) else None

    async def put(self, item_id: int, body: bytes) -> None:
        await self.client.set(f"item:{item_id}", body, px=int(TTL_SECONDS * 1000))

    async def forget(self, item_id: int) -> None:
        await self.client.delete(f"item:{item_id}")


def cache_from_environment() -> ItemCache:
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisCache(redis_url)
    return SharedTableCache(os.environ.get("HTTPARENA_CACHE_FILE"))
