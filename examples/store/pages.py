"""What is not JSON: the welcome page (HTML), a health check (plain text), the catalogue as CSV
(streamed) and a WebSocket that answers prices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypedDict

from examples.store.data import STORE
from squall import HTMLResponse, PlainTextResponse, Router, StreamingResponse, WebSocket
from squall.websockets import WebSocketDisconnect

router = Router(tags=["pages"])

WELCOME = """<!doctype html>
<html><head><title>Squall store</title></head>
<body><h1>Squall store</h1><p>The API is described at <a href="/docs">/docs</a>.</p></body></html>
"""


@router.get("/", response_class=HTMLResponse)
async def welcome() -> str:
    """The shop's front page."""
    return WELCOME


@router.get("/health", response_class=PlainTextResponse, summary="Liveness")
async def health() -> str:
    return "ok"


async def csv_rows() -> AsyncIterator[str]:
    yield "id,name,price_cents,category\n"
    for product in STORE.products.values():
        yield f"{product.id},{product.name},{product.price_cents},{product.category.value}\n"


@router.get("/exports/products.csv", response_class=StreamingResponse)
async def export_products() -> StreamingResponse:
    """The whole catalogue as CSV, streamed a row at a time."""
    return StreamingResponse(csv_rows(), media_type="text/csv")


class Quote(TypedDict):
    """A product's price (none for a number the catalogue does not have)."""

    product: str
    price_cents: int | None


def quote(text: str) -> Quote:
    """The answer to one message of /ws/quotes: the price of the product numbered ``text``."""
    product = STORE.products.get(int(text)) if text.isdigit() else None
    return {"product": text, "price_cents": product.price_cents if product else None}


@router.websocket("/ws/quotes", receives=str, sends=Quote)
async def quotes(websocket: WebSocket) -> None:
    """Send a product number (a text frame), get its price back."""
    await websocket.accept()
    try:
        while True:
            await websocket.send_json(quote(await websocket.receive_text()))
    except WebSocketDisconnect:
        return
