"""PostgreSQL through asyncpg: one pool per worker, sized from DATABASE_MAX_CONN, made lazily.

The pool is created on the first request that needs it (the database may be absent, or start
after the server); when creating it fails, the next request tries again.  Its size follows
HttpArena's Python convention, ``int(DATABASE_MAX_CONN * 0.92 / workers + 0.95)`` and at least
2, with ``workers`` from ``WRK_COUNT`` (the launcher sets it).  Connections skip asyncpg's reset
query on release: nothing here leaves session state behind.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any, Final

import asyncpg
import msgspec
from models import ChangedItem, Item, ItemChange, NewItem, Rating

COLUMNS: Final = "id, name, category, price, quantity, active, tags, rating_score, rating_count"
BY_PRICE: Final = f"SELECT {COLUMNS} FROM items WHERE price BETWEEN $1 AND $2 LIMIT $3"
BY_CATEGORY: Final = (
    f"SELECT {COLUMNS} FROM items WHERE category = $1 ORDER BY id LIMIT $2 OFFSET $3"
)
BY_ID: Final = f"SELECT {COLUMNS} FROM items WHERE id = $1"
UPSERT: Final = (
    "INSERT INTO items (id, name, category, price, quantity, active, tags, rating_score,"
    " rating_count) VALUES ($1, $2, $3, $4, $5, true, '[\"bench\"]', 0, 0)"
    " ON CONFLICT (id) DO UPDATE SET name = $2, price = $4, quantity = $5 RETURNING id"
)
UPDATE: Final = "UPDATE items SET name = $1, price = $2, quantity = $3 WHERE id = $4"


class NoResetConnection(asyncpg.Connection):  # type: ignore[misc]
    def get_reset_query(self) -> str:
        return ""


def pool_size(max_connections: int, workers: int) -> int:
    return max(2, int(max_connections * 0.92 / max(1, workers) + 0.95))


async def setup_connection(connection: asyncpg.Connection) -> None:
    await connection.set_type_codec(
        "jsonb", schema="pg_catalog", decoder=msgspec.json.decode, encoder=str, format="text"
    )


def item_of(row: Sequence[Any]) -> Item:
    return Item(
        id=row[0],
        name=row[1],
        category=row[2],
        price=row[3],
        quantity=row[4],
        active=row[5],
        tags=row[6],
        rating=Rating(score=row[7], count=row[8]),
    )


class Store:
    """The queries of the async-db and crud profiles, on a lazily made pool."""

    def __init__(self, url: str | None, max_connections: int, workers: int) -> None:
        self.url = url
        self.size = pool_size(max_connections, workers)
        self.pool: asyncpg.Pool | None = None
        self.creating = asyncio.Lock()

    @classmethod
    def from_environment(cls) -> Store:
        return cls(
            os.environ.get("DATABASE_URL"),
            int(os.environ.get("DATABASE_MAX_CONN", "256")),
            int(os.environ.get("WRK_COUNT") or len(os.sched_getaffinity(0))),
        )

    async def connected(self) -> asyncpg.Pool:
        """The pool, made on first use; raises (and retries next time) when the DB is away."""
        if self.pool is not None:
            return self.pool
        if self.url is None:
            raise ConnectionError("DATABASE_URL is not set")
        async with self.creating:
            if self.pool is None:
                self.pool = await asyncpg.create_pool(
                    self.url,
                    min_size=1,
                    max_size=self.size,
                    connection_class=NoResetConnection,
                    init=setup_connection,
                )
        return self.pool

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def by_price(self, low: int, high: int, limit: int) -> list[Item]:
        rows = await (await self.connected()).fetch(BY_PRICE, low, high, limit)
        return [item_of(row) for row in rows]

    async def by_category(self, category: str, limit: int, offset: int) -> list[Item]:
        rows = await (await self.connected()).fetch(BY_CATEGORY, category, limit, offset)
        return [item_of(row) for row in rows]

    async def by_id(self, item_id: int) -> Item | None:
        row = await (await self.connected()).fetchrow(BY_ID, item_id)
        return None if row is None else item_of(row)

    async def upsert(self, item: NewItem) -> None:
        pool = await self.connected()
        await pool.fetchval(UPSERT, item.id, item.name, item.category, item.price, item.quantity)

    async def update(self, item_id: int, change: ItemChange) -> ChangedItem | None:
        pool = await self.connected()
        status = await pool.execute(UPDATE, change.name, change.price, change.quantity, item_id)
        if status.rsplit(" ", 1)[-1] == "0":
            return None
        return ChangedItem(
            id=item_id, name=change.name, price=change.price, quantity=change.quantity
        )
