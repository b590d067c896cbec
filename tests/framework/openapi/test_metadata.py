"""Route and app metadata: summaries, descriptions, tags, operation ids, deprecation,
hiding, openapi_extra, routers' tags and responses, info and servers."""

import warnings
from typing import Any

import msgspec
import pytest

from squall import App, Router, WebSocket
from squall.openapi import get_openapi
from squall.testing import TestClient
from tests.framework.openapi.documents import document_of, needs_validator, operation_of

pytestmark = needs_validator


class Error(msgspec.Struct):
    detail: str


def test_summary_description_and_operation_id_defaults() -> None:
    app = App()

    @app.get("/items/{item_id:int}")
    async def read_item(item_id: int) -> None:
        """Read one item.

        Found by its id.
        \f
        :param item_id: for the code's readers only
        """

    op = operation_of(app, "/items/{item_id}")
    assert op["summary"] == "Read Item"
    assert op["description"] == "Read one item.\n\nFound by its id."
    assert op["operationId"] == "read_item_items__item_id__get"


def test_declared_metadata_wins() -> None:
    app = App()

    @app.post(
        "/x",
        summary="Make an x",
        description="Long text",
        operation_id="makeX",
        tags=["xs", "letters"],
        deprecated=True,
        openapi_extra={
            "x-rate-limit": 10,
            "responses": {"200": {"headers": {"X-A": {"schema": {"type": "string"}}}}},
        },
    )
    async def make() -> None:
        """Not this."""

    op = operation_of(app, "/x", "post")
    assert op["summary"] == "Make an x"
    assert op["description"] == "Long text"
    assert op["operationId"] == "makeX"
    assert op["tags"] == ["xs", "letters"]
    assert op["deprecated"] is True
    assert op["x-rate-limit"] == 10
    assert op["responses"]["200"] == {
        "description": "Successful Response",
        "content": {"application/json": {"schema": {}}},
        "headers": {"X-A": {"schema": {"type": "string"}}},
    }


def test_several_methods_get_one_operation_each() -> None:
    app = App()

    @app.api_route("/both", methods=["GET", "POST"])
    async def both() -> None: ...

    doc = document_of(app)
    assert list(doc["paths"]["/both"]) == ["get", "post"]
    assert doc["paths"]["/both"]["get"]["operationId"] == "both_both_get"
    assert doc["paths"]["/both"]["post"]["operationId"] == "both_both_post"


def test_duplicate_operation_ids_warn() -> None:
    app = App()

    @app.get("/a", operation_id="same")
    async def a() -> None: ...

    @app.get("/b", operation_id="same")
    async def b() -> None: ...

    with pytest.warns(UserWarning, match="duplicate operationId 'same'"):
        app.openapi()


def test_hidden_routes_websockets_mounts_and_the_document_route_are_left_out() -> None:
    app = App()

    @app.get("/shown")
    async def shown() -> None: ...

    @app.get("/hidden", include_in_schema=False)
    async def hidden() -> None: ...

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None: ...

    app.mount("/sub", App())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(document_of(app)["paths"]) == ["/shown"]


def test_router_tags_responses_dependencies_and_hiding() -> None:
    app = App()
    router = Router(prefix="/users", tags=["users"], responses={404: {"model": Error}})
    hidden = Router(prefix="/admin", include_in_schema=False)

    @router.get("/{name}", tags=["people"], responses={403: {"description": "Nope"}})
    async def user(name: str) -> None: ...

    @hidden.get("/panel")
    async def panel() -> None: ...

    app.include_router(router, tags=["v1"])
    app.include_router(hidden)
    doc = document_of(app)
    op = doc["paths"]["/users/{name}"]["get"]
    assert op["tags"] == ["v1", "users", "people"]
    assert op["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert op["responses"]["403"] == {"description": "Nope"}
    assert "/admin/panel" not in doc["paths"]


def test_info_tags_and_servers() -> None:
    tags = [{"name": "items", "description": "Things", "externalDocs": {"url": "https://x.org"}}]
    app = App(
        title="Store",
        version="2.1",
        summary="A store",
        description="Sells things",
        terms_of_service="https://x.org/tos",
        contact={"name": "Ops", "email": "ops@x.org"},
        license_info={"name": "MIT", "identifier": "MIT"},
        openapi_tags=tags,
        servers=[{"url": "https://api.x.org", "description": "production"}],
    )
    doc = document_of(app)
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {
        "title": "Store",
        "version": "2.1",
        "summary": "A store",
        "description": "Sells things",
        "termsOfService": "https://x.org/tos",
        "contact": {"name": "Ops", "email": "ops@x.org"},
        "license": {"name": "MIT", "identifier": "MIT"},
    }
    assert doc["tags"] == tags
    assert doc["servers"] == [{"url": "https://api.x.org", "description": "production"}]
    assert doc["paths"] == {}


def test_root_path_is_a_server_when_none_lists_it() -> None:
    assert document_of(App(root_path="/api"))["servers"] == [{"url": "/api"}]
    listed = App(root_path="/api", servers=[{"url": "/api"}, {"url": "https://x.org"}])
    assert document_of(listed)["servers"] == [{"url": "/api"}, {"url": "https://x.org"}]
    assert "servers" not in document_of(App())


def test_openapi_is_built_once_and_can_be_replaced() -> None:
    app = App()

    @app.get("/one")
    async def one() -> None: ...

    first = app.openapi()
    assert app.openapi() is first
    assert app.openapi_schema is first
    app.openapi_schema = {"openapi": "3.1.0", "info": {"title": "Mine", "version": "0"}}
    assert app.openapi()["info"]["title"] == "Mine"


def test_get_openapi_takes_fastapis_keywords_for_a_custom_document() -> None:
    app = App()

    @app.get("/one")
    async def one() -> None: ...

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title="Custom",
                version="9",
                summary="Mine",
                routes=app.routes,
                external_docs={"url": "https://x.org/docs"},
            )
            document["info"]["x-logo"] = {"url": "https://x.org/logo.png"}
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]  # FastAPI's documented way
    doc = document_of(app)
    assert doc["info"] == {
        "title": "Custom",
        "version": "9",
        "summary": "Mine",
        "x-logo": {"url": "https://x.org/logo.png"},
    }
    assert doc["externalDocs"] == {"url": "https://x.org/docs"}
    assert list(doc["paths"]) == ["/one"]
    with TestClient(app) as client:
        assert client.get("/openapi.json").json() == doc
