"""``/openapi.json`` over real servers: Squall's (native path) and uvicorn (plain ASGI)
answer the same cached bytes, built once."""

import json
from typing import Any

import httpx
import msgspec
import pytest

from squall import App, Depends, HTTPException
from squall.openapi import document, serving
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.framework.openapi.documents import check_valid, needs_validator
from tests.server.serving import serve

pytestmark = needs_validator


class Item(msgspec.Struct):
    name: str


async def deny() -> None:
    raise HTTPException(401, "no")


def store_app(**options: Any) -> App:
    app = App(title="Store", dependencies=[Depends(deny)], **options)

    @app.post("/items", status_code=201)
    async def create(item: Item) -> Item:
        return item

    return app


def test_same_bytes_from_squall_and_uvicorn_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[App] = []
    encodings: list[str] = []
    build = document.app_openapi
    prepare = serving.with_root_server

    def counting(app: App, root_path: str = "") -> dict[str, Any]:
        builds.append(app)
        return build(app, root_path)

    def counting_encodings(built: dict[str, Any], root_path: str) -> dict[str, Any]:
        encodings.append(root_path)
        return prepare(built, root_path)

    monkeypatch.setattr(document, "app_openapi", counting)
    monkeypatch.setattr(serving, "with_root_server", counting_encodings)
    app = store_app()
    bodies = []
    for serve_on in (serve_with_squall, serve_with_uvicorn):
        with serve_on(app) as url, httpx.Client(base_url=url) as client:
            for _ in range(2):
                answer = client.get("/openapi.json")
                assert answer.status_code == 200  # the app's dependencies don't guard it
                assert answer.headers["content-type"] == "application/json"
                bodies.append(answer.content)
    assert len(set(bodies)) == 1
    assert len(builds) == 1
    assert encodings == [""]  # encoded once, for the one root path
    served = check_valid(json.loads(bodies[0]))
    assert served == app.openapi()
    assert list(served["paths"]) == ["/items"]  # the document's own route is not in it
    assert bodies[0] == msgspec.json.encode(app.openapi())


def test_another_url_or_none() -> None:
    moved = store_app(openapi_url="/api/schema.json")
    with serve(moved) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/api/schema.json").json()["info"]["title"] == "Store"
        assert client.get("/openapi.json").status_code == 404
    off = App(openapi_url=None, asyncapi_url=None)
    assert [route.path for route in off.routes] == []
    with serve(off) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/openapi.json").status_code == 404


def test_a_document_set_by_the_user_is_served() -> None:
    app = store_app()
    app.openapi_schema = {
        "openapi": "3.1.0",
        "info": {"title": "Mine", "version": "1"},
        "paths": {},
    }
    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/openapi.json").json()["info"]["title"] == "Mine"


def test_the_servers_root_path_is_listed_first() -> None:
    app = store_app(servers=[{"url": "https://x.org"}])
    with serve(app, root_path="/api") as running, httpx.Client(base_url=running.url) as client:
        document = client.get("/openapi.json").json()  # the proxy took /api off
    assert document["servers"] == [{"url": "/api"}, {"url": "https://x.org"}]
    assert app.openapi()["servers"] == [{"url": "https://x.org"}]


def test_a_route_of_the_apps_own_at_the_url_replaces_the_documents() -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    @app.get("/openapi.json", include_in_schema=False)
    async def mine() -> dict[str, bool]:
        return {"mine": True}

    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/openapi.json").json() == {"mine": True}
        assert client.head("/openapi.json").status_code == 200
    assert app.openapi()["paths"].keys() == {"/items"}
