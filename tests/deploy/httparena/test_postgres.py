"""bench.httparena.postgres: a real PostgreSQL, seeded as HttpArena's sidecar, gone afterwards."""

from __future__ import annotations

import asyncio
import subprocess
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


def postgres_commands() -> list[list[str]]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line.split() for line in listing.stdout.splitlines() if "postgres" in line]


def data_directory_of_server_on(port: int) -> Path:
    [command] = [c for c in postgres_commands() if "-p" in c and c[c.index("-p") + 1] == str(port)]
    return Path(command[command.index("-D") + 1])


def test_stops_and_leaves_nothing(database_url: str) -> None:
    with postgres.throwaway_postgres(rows=10) as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        data = data_directory_of_server_on(port)  # other sessions may run their own
        assert data.is_dir() and asyncio.run(query(url, "SELECT 1")) == [(1,)]
    assert not data.parent.exists()
    assert not any(str(data) in " ".join(command) for command in postgres_commands())
    with pytest.raises(OSError):
        asyncio.run(query(url, "SELECT 1"))
