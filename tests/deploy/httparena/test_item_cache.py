"""The crud item cache of deploy/httparena/item_cache.py.

SharedTableCache: an entry written by one process is read by another through the launcher's
file; it expires after 200 ms; a torn slot is a miss, never mixed bytes.  RedisCache: there is
no redis-server here (nor in the local package index), so it is checked with redis-py against
a small RESP server of this file on a real socket, which keeps what SET ... PX says.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.deploy.httparena.entry import ENTRY

BODY = b'{"id":42,"name":"Alpha Widget 42"}'


@pytest.fixture(scope="module")
def item_cache() -> Iterator[ModuleType]:
    sys.path.insert(0, str(ENTRY))
    try:
        yield importlib.import_module("item_cache")
    finally:
        sys.path.remove(str(ENTRY))


def put_from_another_process(path: Path, item_id: int, body: bytes) -> None:
    script = (
        "import asyncio, sys, item_cache\n"
        "item_cache.TTL_SECONDS = 60  # a loaded machine may take 200 ms to get back\n"
        "cache = item_cache.SharedTableCache(sys.argv[1])\n"
        "asyncio.run(cache.put(int(sys.argv[2]), sys.argv[3].encode()))\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(path), str(item_id), body.decode()],
        cwd=ENTRY,
        check=True,
        timeout=30,
    )


def test_shared_between_processes_until_forgotten(item_cache: Any, tmp_path: Path) -> None:
    path = item_cache.create_table_file(str(tmp_path / "table"))
    cache = item_cache.SharedTableCache(path)
    assert asyncio.run(cache.get(42)) is None
    put_from_another_process(Path(path), 42, BODY)
    assert asyncio.run(cache.get(42)) == BODY
    assert asyncio.run(cache.get(42 + item_cache.SLOTS)) is None  # same slot, other id
    asyncio.run(cache.forget(42))
    assert asyncio.run(cache.get(42)) is None


def test_expires_after_200_ms(item_cache: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = item_cache.SharedTableCache(None)
    asyncio.run(cache.put(7, BODY))
    now = time.monotonic()
    monkeypatch.setattr(item_cache.time, "monotonic", lambda: now + 0.19)
    assert asyncio.run(cache.get(7)) == BODY
    monkeypatch.setattr(item_cache.time, "monotonic", lambda: now + 0.21)
    assert asyncio.run(cache.get(7)) is None


def test_a_torn_slot_is_a_miss(item_cache: Any) -> None:
    cache = item_cache.SharedTableCache(None)
    asyncio.run(cache.put(9, BODY))
    start = cache.slot(9) + item_cache.HEADER.size
    cache.table[start : start + 4] = b"XXXX"  # half of another write landed here
    assert asyncio.run(cache.get(9)) is None
    asyncio.run(cache.put(9, b"x" * (item_cache.CAPACITY + 1)))  # too big: not cached
    assert asyncio.run(cache.get(9)) is None


class FakeRedis:
    """HELLO (RESP3, which redis-py asks for), GET, SET with PX, DEL; +OK to anything else
    (redis-py's CLIENT SETINFO on connect)."""

    def __init__(self) -> None:
        self.values: dict[bytes, tuple[bytes, float]] = {}

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while command := await self.read_command(reader):
            writer.write(self.answer(command))
            await writer.drain()
        writer.close()

    async def read_command(self, reader: asyncio.StreamReader) -> list[bytes]:
        header = await reader.readline()
        if not header:
            return []
        parts = []
        for _ in range(int(header[1:])):
            size = int((await reader.readline())[1:])
            parts.append((await reader.readexactly(size + 2))[:-2])
        return parts

    def answer(self, command: list[bytes]) -> bytes:
        name = command[0].upper()
        if name == b"HELLO":
            return b"%2\r\n$5\r\nproto\r\n:3\r\n$7\r\nversion\r\n$5\r\n7.4.0\r\n"
        if name == b"SET":
            expires = time.monotonic() + int(command[4]) / 1000 if len(command) > 4 else 1e18
            self.values[command[1]] = (command[2], expires)
            return b"+OK\r\n"
        if name == b"GET":
            value, expires = self.values.get(command[1], (b"", 0.0))
            if expires < time.monotonic():
                return b"_\r\n"  # RESP3's null
            return b"$%d\r\n%s\r\n" % (len(value), value)
        if name == b"DEL":
            return b":%d\r\n" % int(self.values.pop(command[1], None) is not None)
        return b"+OK\r\n"


def test_redis_cache_through_redis_py(item_cache: Any) -> None:
    fake = FakeRedis()

    async def scenario() -> None:
        server = await asyncio.start_server(fake.serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        cache = item_cache.RedisCache(f"redis://127.0.0.1:{port}/0")
        try:
            assert await cache.get(42) is None
            await cache.put(42, BODY)
            assert await cache.get(42) == BODY
            assert fake.values[b"item:42"][1] - time.monotonic() <= 0.2  # PX 200
            await cache.forget(42)
            assert await cache.get(42) is None
        finally:
            await cache.client.aclose()
            server.close()
            await server.wait_closed()

    asyncio.run(scenario())
