"""The HttpArena endpoints written for FastAPI on uvicorn: the twin Squall's entry is run against.

Shaped like HttpArena's production ``fastapi`` entry (contract §7), written for this repository:
FastAPI's own parameter binding and JSON responses, Starlette's ``GZipMiddleware``
(``minimum_size=1``, level 5) and ``StaticFiles`` (read from disk on each request), an asyncpg
pool per worker sized from DATABASE_MAX_CONN.  Options from the environment: DATASET_PATH,
STATIC_DIR, DATABASE_URL, DATABASE_MAX_CONN, WRK_COUNT.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

ITEMS_QUERY = (
    "SELECT id, name, category, price, quantity, active, tags, rating_score, rating_count "
    "FROM items WHERE price BETWEEN $1 AND $2 LIMIT $3"
)


def load_dataset(path: str) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as file:
            return list(json.load(file))
    except OSError:
        return []


def pool_size() -> int:
    workers = int(os.environ.get("WRK_COUNT") or 1)
    return max(2, int(int(os.environ.get("DATABASE_MAX_CONN", "256")) * 0.92 / workers + 0.95))


class Database:
    """An asyncpg pool made on first use (the database may come up after the server)."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.pool: Any = None

    async def items(self, low: int, high: int, limit: int) -> list[dict[str, Any]]:
        if self.url is None:
            return []
        if self.pool is None:
            import asyncpg

            self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=pool_size())
        rows = await self.pool.fetch(ITEMS_QUERY, low, high, limit)
        return [item_of(row) for row in rows]

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


def item_of(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "category": row["category"],
        "price": row["price"],
        "quantity": row["quantity"],
        "active": row["active"],
        "tags": json.loads(row["tags"]) if isinstance(row["tags"], str) else row["tags"],
        "rating": {"score": row["rating_score"], "count": row["rating_count"]},
    }


dataset = load_dataset(os.environ.get("DATASET_PATH", "/data/dataset.json"))
database = Database(os.environ.get("DATABASE_URL"))


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await database.close()


app = FastAPI(lifespan=lifespan, openapi_url=None)
app.add_middleware(GZipMiddleware, minimum_size=1, compresslevel=5)
app.mount(
    "/static",
    StaticFiles(directory=os.environ.get("STATIC_DIR", "/data/static"), check_dir=False),
    name="static",
)


@app.get("/pipeline", response_class=PlainTextResponse)
async def pipeline() -> str:
    return "ok"


@app.get("/baseline11", response_class=PlainTextResponse)
async def baseline_get(a: int, b: int) -> str:
    return str(a + b)


@app.post("/baseline11", response_class=PlainTextResponse)
async def baseline_post(a: int, b: int, request: Request) -> str:
    body = await request.body()
    return str(a + b + int(body.strip() or b"0"))


@app.get("/json/{count}")
async def json_items(count: int, m: int = 1) -> dict[str, Any]:
    count = max(0, min(count, 50))
    items = [{**item, "total": item["price"] * item["quantity"] * m} for item in dataset[:count]]
    return {"items": items, "count": count}


@app.post("/upload", response_class=PlainTextResponse)
async def upload(request: Request) -> str:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    return str(size)


@app.get("/async-db")
async def async_db(min: int = 10, max: int = 50, limit: int = 50) -> dict[str, Any]:
    limit = 1 if limit < 1 else 50 if limit > 50 else limit
    try:
        items = await database.items(min, max, limit)
    except Exception:  # the contract: an empty answer on any database error
        items = []
    return {"items": items, "count": len(items)}
