"""Responses: the declared type under the route's status, response classes, ``responses=``,
and the 422 shape Squall really answers."""

from typing import Annotated

import msgspec

from squall import App, Form, Query
from squall.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from squall.testing import TestClient
from tests.framework.openapi.documents import (
    check_instance,
    document_of,
    needs_validator,
    operation_of,
)

pytestmark = needs_validator

ITEM_REF = {"$ref": "#/components/schemas/Item"}


class Item(msgspec.Struct):
    name: str


class Error(msgspec.Struct):
    message: str


def test_the_return_annotation_under_the_status_code() -> None:
    app = App()

    @app.post("/items", status_code=201, response_description="Created")
    async def create(item: Item) -> Item:
        return item

    responses = operation_of(app, "/items", "post")["responses"]
    assert responses["201"] == {
        "description": "Created",
        "content": {"application/json": {"schema": ITEM_REF}},
    }
    assert list(responses) == ["201", "400", "422"]


def test_response_model_wins_over_the_annotation_and_lists_work() -> None:
    app = App()

    @app.get("/items", response_model=list[Item])
    async def items() -> list[dict[str, str]]:
        return []

    schema = operation_of(app, "/items")["responses"]["200"]["content"]["application/json"]
    assert schema == {
        "schema": {"type": "array", "items": ITEM_REF, "title": "Response Items Items Get"}
    }


def test_no_declared_type_is_any_json() -> None:
    app = App()

    @app.get("/anything")
    async def anything():  # type: ignore[no-untyped-def]
        return {}

    assert operation_of(app, "/anything")["responses"] == {
        "200": {
            "description": "Successful Response",
            "content": {"application/json": {"schema": {}}},
        }
    }


def test_response_classes_give_their_media_types() -> None:
    app = App()

    @app.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<p>hi</p>"

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "hi"

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        return StreamingResponse(iter([b""]))

    @app.delete("/items/{name}", status_code=204)
    async def delete(name: str) -> Response:
        return Response(status_code=204)

    doc = document_of(app)
    assert doc["paths"]["/page"]["get"]["responses"]["200"]["content"] == {
        "text/html": {"schema": {"type": "string"}}
    }
    assert doc["paths"]["/text"]["get"]["responses"]["200"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }
    assert doc["paths"]["/stream"]["get"]["responses"]["200"]["content"] == {
        "application/json": {"schema": {}}
    }
    assert doc["paths"]["/items/{name}"]["delete"]["responses"]["204"] == {
        "description": "Successful Response"
    }


def test_additional_responses_merge_with_models_and_descriptions() -> None:
    app = App()

    @app.get(
        "/items/{name}",
        responses={
            404: {"model": Error, "description": "No such item"},
            409: {
                "description": "Conflict",
                "headers": {"X-Reason": {"schema": {"type": "string"}}},
            },
            200: {"content": {"text/csv": {}}},
            "5XX": {"description": "Server trouble"},
        },
    )
    async def read(name: str) -> Item:
        return Item(name)

    responses = operation_of(app, "/items/{name}")["responses"]
    assert responses["404"] == {
        "description": "No such item",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    assert responses["409"]["headers"] == {"X-Reason": {"schema": {"type": "string"}}}
    assert responses["200"] == {
        "description": "Successful Response",
        "content": {"application/json": {"schema": ITEM_REF}, "text/csv": {}},
    }
    assert responses["5XX"] == {"description": "Server trouble"}
    assert list(responses) == ["200", "404", "409", "5XX", "422"]


def test_a_model_in_responses_for_the_routes_own_status_is_its_schema() -> None:
    app = App()

    @app.get("/untyped", responses={200: {"model": Item, "description": "The item"}})
    async def untyped():  # type: ignore[no-untyped-def]
        return {"name": "x"}

    assert operation_of(app, "/untyped")["responses"]["200"] == {
        "description": "The item",
        "content": {"application/json": {"schema": ITEM_REF}},
    }


def test_a_responses_entry_without_description_gets_the_status_phrase() -> None:
    app = App()

    @app.get("/teapot", responses={418: {"model": Error}})
    async def teapot() -> None: ...

    assert operation_of(app, "/teapot")["responses"]["418"]["description"] == "I'm a Teapot"


def test_the_400_of_a_malformed_body_is_documented_as_squall_answers_it() -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> None: ...

    @app.post("/form")
    async def form(name: Annotated[str, Form()]) -> None: ...

    doc = document_of(app)
    for path in ("/items", "/form"):
        assert doc["paths"][path]["post"]["responses"]["400"] == {
            "description": "Malformed Body",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/MalformedBody"}}
            },
        }
    with TestClient(app) as client:
        bad_json = client.post("/items", content=b"{", headers={"content-type": "application/json"})
        boundary = "multipart/form-data; boundary=x"
        bad_form = client.post(
            "/form", content=b"--x\r\nnot a part", headers={"content-type": boundary}
        )
    for answer in (bad_json, bad_form):
        assert answer.status_code == 400
        check_instance(answer.json(), "MalformedBody", doc)


def test_the_422_schema_is_what_squall_answers() -> None:
    app = App()

    @app.get("/limited")
    async def limited(n: Annotated[int, Query(ge=1)], m: int = 0) -> None: ...

    @app.get("/no-input")
    async def no_input() -> None: ...

    doc = document_of(app)
    assert "422" not in doc["paths"]["/no-input"]["get"]["responses"]
    assert doc["paths"]["/limited"]["get"]["responses"]["422"] == {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    }
    # Squall's real 422 body validates against the documented component.
    with TestClient(app) as client:
        answer = client.get("/limited", params={"n": "0", "m": "x"})
    assert answer.status_code == 422
    assert len(answer.json()["detail"]) == 2
    check_instance(answer.json(), "HTTPValidationError", doc)
    assert doc["components"]["schemas"]["ValidationError"]["required"] == ["loc", "msg", "type"]
