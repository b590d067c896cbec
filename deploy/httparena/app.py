"""Squall's HttpArena entry: every endpoint of the contract, written as a Squall user would.

Run by launcher.py (``squall app:app`` on the four ports).  Options from the environment:
DATASET_PATH (/data/dataset.json), STATIC_DIR (/data/static), DATABASE_URL, DATABASE_MAX_CONN
(256), WRK_COUNT (workers per server, for the pool size), REDIS_URL (the crud cache; else a table
shared through HTTPARENA_CACHE_FILE).  A missing dataset, static directory or database gives
empty answers or 404s, never a failed start.
"""

from __future__ import annotations

import contextlib
import os
from typing import Annotated, Final

import msgspec
from item_cache import ItemCache, cache_from_environment
from models import (
    ChangedItem,
    CrudPage,
    ItemChange,
    ItemsPage,
    JsonPage,
    NewItem,
    load_dataset,
    priced,
)
from store import Store

from squall import App, HTTPException, Query, Request, Response, WebSocket, WebSocketDisconnect
from squall.middleware import CompressionMiddleware
from squall.responses import PlainTextResponse
from squall.staticfiles import StaticFiles

MAX_ITEMS: Final = 50
CRUD_DEFAULT_LIMIT: Final = 10
JSON_TYPE: Final = "application/json"

dataset = load_dataset(os.environ.get("DATASET_PATH", "/data/dataset.json"))
store = Store.from_environment()
item_cache: ItemCache = cache_from_environment()
encoder = msgspec.json.Encoder()

app = App(
    openapi_url=None,
    strict_content_type=False,  # gcannon's crud raws may post JSON without a Content-Type
    on_shutdown=[store.close],
)
# json-comp scores rps x (smallest bytes per response / ours)^2.  On its three bodies (25, 40, 50
# items; CPU time per call, headers counted): br 2 gives 1,516 B in 33 us, br 3 1,479 B in 61 us,
# gzip 6 1,518 B in 45 us, gzip 1 1,756 B in 26 us; br 2 scores best for any request cost between
# 20 and 80 us (README.md here).  Only a request whose Accept-Encoding asks gets it.
app.add_middleware(CompressionMiddleware, minimum_size=256, brotli_quality=2, gzip_level=6)
app.mount(
    "/static",
    StaticFiles(directory=os.environ.get("STATIC_DIR", "/data/static"), check_dir=False),
    name="static",
)


def text(value: int) -> PlainTextResponse:
    return PlainTextResponse(str(value))


@app.get("/baseline11")
async def baseline_get(a: int = 0, b: int = 0) -> PlainTextResponse:
    return text(a + b)


@app.post("/baseline11")
async def baseline_post(request: Request, a: int = 0, b: int = 0) -> PlainTextResponse:
    body = (await request.body()).strip()
    try:
        return text(a + b + (int(body) if body else 0))
    except ValueError:
        raise HTTPException(400, "the body must be a decimal integer") from None


@app.get("/baseline2")
async def baseline_h2(a: int = 0, b: int = 0) -> PlainTextResponse:
    return text(a + b)


@app.get("/pipeline")
async def pipeline() -> PlainTextResponse:
    return PlainTextResponse("ok")


@app.get("/json/{count}")
async def json_items(count: int, m: int = 1) -> JsonPage:
    chosen = dataset[: max(0, min(count, MAX_ITEMS))]
    return JsonPage(items=[priced(item, m) for item in chosen], count=len(chosen))


@app.post("/upload")
async def upload(request: Request) -> PlainTextResponse:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
    return text(received)


@app.get("/async-db")
async def async_db(
    low: Annotated[int, Query(alias="min")] = 10,
    high: Annotated[int, Query(alias="max")] = 50,
    limit: int = 50,
) -> ItemsPage:
    try:
        items = await store.by_price(low, high, max(1, min(limit, MAX_ITEMS)))
    except Exception:  # the contract: a database error answers an empty list
        return ItemsPage(items=[], count=0)
    return ItemsPage(items=items, count=len(items))


def page_number(text: str) -> int:
    """gcannon zero-pads ``page`` ("01"); an int query parameter converts as msgspec does,
    which refuses leading zeros (FastAPI's pydantic reads "01" as 1), so it is read here."""
    return max(1, int(text)) if text.isascii() and text.isdigit() else 1


@app.get("/crud/items")
async def crud_list(
    category: str = "electronics", page: str = "1", limit: int = CRUD_DEFAULT_LIMIT
) -> CrudPage:
    if not 1 <= limit <= MAX_ITEMS:
        limit = CRUD_DEFAULT_LIMIT
    number = page_number(page)
    try:
        items = await store.by_category(category, limit, (number - 1) * limit)
    except Exception:
        items = []
    return CrudPage(items=items, total=len(items), page=number, limit=limit)


async def cached(item_id: int) -> bytes | None:
    try:
        return await item_cache.get(item_id)
    except Exception:  # a cache that is away (Redis) is a miss
        return None


async def remember(item_id: int, body: bytes) -> None:
    with contextlib.suppress(Exception):
        await item_cache.put(item_id, body)


async def forget(item_id: int) -> None:
    with contextlib.suppress(Exception):
        await item_cache.forget(item_id)


@app.get("/crud/items/{item_id:int}")  # the converter reads gcannon's "00042"
async def crud_read(item_id: int) -> Response:
    body = await cached(item_id)
    if body is not None:
        return Response(body, media_type=JSON_TYPE, headers={"X-Cache": "HIT"})
    item = await store.by_id(item_id)
    if item is None:
        raise HTTPException(404, "no such item")
    body = encoder.encode(item)
    await remember(item_id, body)
    return Response(body, media_type=JSON_TYPE, headers={"X-Cache": "MISS"})


@app.post("/crud/items", status_code=201)
async def crud_create(item: NewItem) -> NewItem:
    await store.upsert(item)
    await forget(item.id)
    return item


@app.put("/crud/items/{item_id:int}")
async def crud_update(item_id: int, change: ItemChange) -> ChangedItem:
    changed = await store.update(item_id, change)
    if changed is None:
        raise HTTPException(404, "no such item")
    await forget(item_id)
    return changed


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message["bytes"])
    except WebSocketDisconnect:
        return
