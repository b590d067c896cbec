"""``/asyncapi.json`` over real servers: Squall's (native path) and uvicorn (plain ASGI)
answer the same cached bytes, built once; 404 for an app with no WebSocket route in the
schema; ``asyncapi_url`` moves or removes the route."""

from typing import Any

import httpx
import msgspec
import pytest

from squall import App, Depends, HTTPException, WebSocket
from squall.asyncapi import document
from tests.framework.asyncapi.documents import check_asyncapi, needs_jsonschema
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.server.serving import serve

pytestmark = needs_jsonschema


class Tick(msgspec.Struct):
    n: int


async def deny() -> None:
    raise HTTPException(401, "no")


def ticking_app(**options: Any) -> App:
    app = App(title="Clock", dependencies=[Depends(deny)], **options)

    @app.websocket("/ticks", sends=Tick)
    async def ticks(websocket: WebSocket) -> None: ...

    return app


def test_same_bytes_from_squall_and_uvicorn_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[App] = []
    build = document.app_asyncapi

    def counting(app: App) -> dict[str, Any]:
        builds.append(app)
        return build(app)

    monkeypatch.setattr(document, "app_asyncapi", counting)
    app = ticking_app()
    bodies = []
    for serve_on in (serve_with_squall, serve_with_uvicorn):
        with serve_on(app) as url, httpx.Client(base_url=url) as client:
            for _ in range(2):
                answer = client.get("/asyncapi.json")
                assert answer.status_code == 200  # the app's dependencies don't guard it
                assert answer.headers["content-type"] == "application/json"
                bodies.append(answer.content)
    assert len(set(bodies)) == 1
    assert len(builds) == 1
    assert bodies[0] == msgspec.json.encode(app.asyncapi())
    served = check_asyncapi(msgspec.json.decode(bodies[0]))
    assert list(served["channels"]) == ["ticks"]
    assert "/asyncapi.json" not in app.openapi()["paths"]  # outside the OpenAPI document


def test_a_document_of_your_own() -> None:
    app = ticking_app()
    app.asyncapi_schema = {"asyncapi": "3.0.0", "info": {"title": "Mine", "version": "1"},
                           "channels": {"c": {"address": "/c"}}}  # fmt: skip
    with serve(app) as running:
        answer = httpx.get(running.url + "/asyncapi.json", timeout=10)
    assert answer.json()["info"]["title"] == "Mine"


def test_no_websocket_route_in_the_schema_answers_404() -> None:
    app = App()

    @app.websocket("/hidden", include_in_schema=False)
    async def hidden(websocket: WebSocket) -> None: ...

    assert check_asyncapi(app.asyncapi())["channels"] == {}
    with serve(app) as running:
        assert httpx.get(running.url + "/asyncapi.json", timeout=10).status_code == 404


def test_another_url_or_none() -> None:
    moved = ticking_app(asyncapi_url="/api/asyncapi.json")
    with serve(moved) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/api/asyncapi.json").json()["info"]["title"] == "Clock"
        assert client.get("/asyncapi.json").status_code == 404
    off = ticking_app(asyncapi_url=None, openapi_url=None)
    assert [route.path for route in off.routes] == []
    with serve(off) as running:
        assert httpx.get(running.url + "/asyncapi.json", timeout=10).status_code == 404
