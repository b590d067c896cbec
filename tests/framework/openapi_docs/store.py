"""The app the docs-page tests serve, and the OpenAPI document its pages read.

``docs_app()`` is a small item store with GET and POST operations that work (so "Try it out"
gets 200s).  ``serve_document(app)`` is the one place the document comes from: a hand-written
OpenAPI 3.1 document served at the app's ``openapi_url`` until the generated one
(``App.openapi()``, the oa-doc branch) is there to use instead.
"""

from __future__ import annotations

from typing import Any

import msgspec

from squall import App, JSONResponse


class Item(msgspec.Struct):
    name: str
    price: float = 1.0


ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "examples": ["hammer"]},
        "price": {"type": "number", "default": 1.0},
    },
    "required": ["name"],
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Docs test store", "version": "1.0.0"},
    "paths": {
        "/items": {
            "get": {
                "summary": "List the items",
                "operationId": "list_items",
                "tags": ["items"],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 10}}
                ],
                "responses": {"200": {"description": "The items"}},
            },
            "post": {
                "summary": "Create an item",
                "operationId": "create_item",
                "tags": ["items"],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ITEM_SCHEMA}},
                },
                "responses": {"200": {"description": "The item created"}},
            },
        },
        "/items/{item_id}": {
            "get": {
                "summary": "Read one item",
                "operationId": "read_item",
                "tags": ["items"],
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": {"description": "The item"}},
            },
            "delete": {
                "summary": "Delete an item",
                "operationId": "delete_item",
                "tags": ["items"],
                "parameters": [
                    {
                        "name": "item_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer"},
                    }
                ],
                "responses": {"200": {"description": "Deleted"}},
            },
        },
        "/health": {
            "get": {
                "summary": "Health check",
                "operationId": "health",
                "responses": {"200": {"description": "Up"}},
            }
        },
    },
}


def docs_app(**options: Any) -> App:
    """The store, with ``options`` for App (docs_url=, root_path=, swagger_ui_parameters=...)."""
    app = App(title="Docs test store", **options)
    items: dict[int, Item] = {1: Item("hammer", 9.5)}

    @app.get("/items", summary="List the items", tags=["items"])
    async def list_items(limit: int = 10) -> list[Item]:
        return list(items.values())[:limit]

    @app.post("/items", summary="Create an item", tags=["items"])
    async def create_item(item: Item) -> Item:
        items[len(items) + 1] = item
        return item

    @app.get("/items/{item_id}", summary="Read one item", tags=["items"])
    async def read_item(item_id: int) -> Item:
        return items[item_id]

    @app.delete("/items/{item_id}", summary="Delete an item", tags=["items"])
    async def delete_item(item_id: int) -> dict[str, bool]:
        return {"deleted": items.pop(item_id, None) is not None}

    @app.get("/health", summary="Health check")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    serve_document(app)
    return app


def serve_document(app: App) -> None:
    """The document at ``app.openapi_url`` (hand-written until App.openapi() exists)."""
    if app.openapi_url is None:
        return

    @app.get(app.openapi_url, include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(DOCUMENT)


def document_of(app: App) -> dict[str, Any]:
    """The document the app serves (what its pages must show)."""
    return DOCUMENT


def operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path, summary) of every operation in ``document``."""
    return [
        (method.upper(), path, operation["summary"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
