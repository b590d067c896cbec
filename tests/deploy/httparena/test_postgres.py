"""bench.httparena.postgres: a real PostgreSQL, seeded as HttpArena's sidecar, gone afterwards."""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
from pathlib import Path

import pytest

from bench.httparena import postgres
from bench.httparena.data import SEED_ROWS, copy_text_line, dataset, seed_rows


async def query(url: str, sql: str) -> list[tuple[object, ...]]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


def test_seeded_as_the_contract_says(database_url: str) -> None:
    [(count, low, high, names, categories)] = asyncio.run(
        query(
            database_url,
            "SELECT count(*), min(price), max(price), count(DISTINCT name),"
            " count(DISTINCT category) FROM items WHERE id <= 100000",  # crud tests add rows
        )
    )
    assert (count, low, high, names, categories) == (SEED_ROWS, 1, 500, SEED_ROWS, 10)
    [(name, tags, active)] = asyncio.run(
        query(
            database_url,
            "SELECT name, jsonb_typeof(tags), pg_typeof(active)::text FROM items WHERE id = 1",
        )
    )
    assert name.endswith(" 1") and name.rsplit(" ", 1)[0] in {i["name"] for i in dataset()}
    assert (tags, active) == ("array", "boolean")
    [(connections,)] = asyncio.run(query(database_url, "SHOW max_connections"))
    assert connections == "256"


def test_the_recipe_is_deterministic() -> None:
    first = [copy_text_line(row) for row, _ in zip(seed_rows(dataset()), range(3), strict=False)]
    again = [copy_text_line(row) for row, _ in zip(seed_rows(dataset()), range(3), strict=False)]
    assert first == again
    assert first[0].split("\t")[0] == "1" and first[0].split("\t")[1].endswith(" 1")


def postgres_processes_under(directory: Path) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in listing.stdout.splitlines() if str(directory) in line]


def test_stops_and_leaves_nothing(database_url: str) -> None:
    before = set(Path(tempfile.gettempdir()).glob("httparena-pg-*"))
    with postgres.throwaway_postgres() as url:
        [directory] = set(Path(tempfile.gettempdir()).glob("httparena-pg-*")) - before
        assert postgres_processes_under(directory)  # the check below can see a server
        assert asyncio.run(query(url, "SELECT 1")) == [(1,)]
    assert not directory.exists()
    assert postgres_processes_under(directory) == []
    with pytest.raises(OSError):
        asyncio.run(query(url, "SELECT 1"))
