"""Routers included with prefixes, tags and shared dependencies; mounted ASGI apps."""

from typing import Annotated

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from squall import App, Depends, Header, HTTPException, Router


def require_key(x_key: Annotated[str, Header()] = "") -> None:
    if x_key != "k":
        raise HTTPException(403, "key required")


def build_app() -> App:
    items = Router(prefix="/items", tags=["items"])

    @items.get("")
    async def list_items() -> list[str]:
        return ["a", "b"]

    @items.get("/{item_id:int}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    admin = Router()

    @admin.delete("/items/{item_id:int}", status_code=204)
    async def delete_item(item_id: int) -> None:
        return None

    app = App()
    app.include_router(items, prefix="/v1")
    app.include_router(admin, prefix="/admin", dependencies=[Depends(require_key)])

    async def legacy(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse(f"legacy {request.url.path} root={request.scope['root_path']}")

    app.mount("/legacy", Starlette(routes=[Route("/{rest:path}", legacy)]))
    return app


def test_included_routes_get_their_prefixes(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        assert client.get("/v1/items").json() == ["a", "b"]
        assert client.get("/v1/items/3").json() == {"id": 3}
        assert client.get("/items").status_code == 404


def test_router_dependencies_guard_every_route(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        assert client.delete("/admin/items/3").status_code == 403
        assert client.delete("/admin/items/3", headers={"X-Key": "k"}).status_code == 204


def test_mounted_asgi_apps_get_the_rest_of_the_path(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url:
        response = httpx.get(url + "/legacy/old/page")
    assert response.text == "legacy /legacy/old/page root=/legacy"


def test_tags_are_kept_on_routes() -> None:
    app = build_app()
    declaration = next(d for d in app.declarations if d.path == "/v1/items")
    assert declaration.tags == ("items",)


def test_bad_prefixes_are_refused() -> None:
    with pytest.raises(ValueError):
        Router(prefix="items/")
    with pytest.raises(ValueError):
        App().mount("/x/", Starlette())
