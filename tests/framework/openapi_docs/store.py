"""The app the docs-page tests serve, and the OpenAPI document its pages read.

``docs_app()`` is a small item store with GET and POST operations that work (so "Try it out"
gets 200s); its pages read the document the App generates and serves at ``openapi_url``.
The operation ids are given, so the Swagger UI elements the browser test drives have fixed
ids (``operations-<tag>-<operationId>``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from squall import App


class Item(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(examples=["hammer"])]
    price: float = 1.0


def docs_app(**options: Any) -> App:
    """The store, with ``options`` for App (docs_url=, root_path=, swagger_ui_parameters=...)."""
    app = App(title="Docs test store", **options)
    items: dict[int, Item] = {1: Item("hammer", 9.5)}

    @app.get("/items", summary="List the items", tags=["items"], operation_id="list_items")
    async def list_items(limit: int = 10) -> list[Item]:
        return list(items.values())[:limit]

    @app.post("/items", summary="Create an item", tags=["items"], operation_id="create_item")
    async def create_item(item: Item) -> Item:
        items[len(items) + 1] = item
        return item

    @app.get("/items/{item_id}", summary="Read one item", tags=["items"], operation_id="read_item")
    async def read_item(item_id: int) -> Item:
        return items[item_id]

    @app.delete(
        "/items/{item_id}", summary="Delete an item", tags=["items"], operation_id="delete_item"
    )
    async def delete_item(item_id: int) -> dict[str, bool]:
        return {"deleted": items.pop(item_id, None) is not None}

    @app.get("/health", summary="Health check", operation_id="health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path, summary) of every operation in ``document``."""
    return [
        (method.upper(), path, operation["summary"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
