"""Parameters: where they are read, their names on the wire, schemas, checks, docs."""

from typing import Annotated

import msgspec
import pydantic

from squall import App, Cookie, Depends, Header, Path, Query
from tests.framework.openapi.documents import needs_validator, operation_of, parameter

pytestmark = needs_validator


def test_path_query_header_cookie_with_types_and_defaults() -> None:
    app = App()

    @app.get("/items/{item_id:int}")
    async def read_item(
        item_id: int,
        q: str | None = None,
        limit: int = 10,
        x_token: Annotated[str, Header()] = "none",
        session: Annotated[str | None, Cookie()] = None,
    ) -> None: ...

    op = operation_of(app, "/items/{item_id}")
    assert op["parameters"] == [
        {
            "name": "item_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "title": "Item Id"},
        },
        {
            "name": "q",
            "in": "query",
            "required": False,
            "schema": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "title": "Q",
                "default": None,
            },
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "title": "Limit", "default": 10},
        },
        {
            "name": "x-token",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "title": "X-Token", "default": "none"},
        },
        {
            "name": "session",
            "in": "cookie",
            "required": False,
            "schema": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "title": "Session",
                "default": None,
            },
        },
    ]


def test_untyped_path_parameters_take_their_converters_type() -> None:
    app = App()

    @app.get("/files/{fid:uuid}/{n:int}/{x:float}/{rest:path}")
    async def files(fid, n, x, rest):  # type: ignore[no-untyped-def]
        return None

    op = operation_of(app, "/files/{fid}/{n}/{x}/{rest}")
    assert [p["schema"] for p in op["parameters"]] == [
        {"title": "Fid", "type": "string", "format": "uuid"},
        {"title": "N", "type": "integer"},
        {"title": "X", "type": "number"},
        {"title": "Rest", "type": "string"},
    ]


def test_constraints_from_meta_query_keywords_and_pydantic_field() -> None:
    app = App()

    @app.get("/search")
    async def search(
        page: Annotated[int, msgspec.Meta(ge=1)] = 1,
        size: Annotated[int, Query(gt=0, le=100)] = 20,
        code: Annotated[str, Query(min_length=2, max_length=3, pattern="^[a-z]+$")] = "ab",
        weight: Annotated[float, pydantic.Field(lt=10.5)] = 1.0,
    ) -> None: ...

    op = operation_of(app, "/search")
    assert parameter(op, "page")["schema"] == {
        "type": "integer",
        "minimum": 1,
        "title": "Page",
        "default": 1,
    }
    assert parameter(op, "size")["schema"] == {
        "type": "integer",
        "exclusiveMinimum": 0,
        "maximum": 100,
        "title": "Size",
        "default": 20,
    }
    assert parameter(op, "code")["schema"] == {
        "type": "string",
        "minLength": 2,
        "maxLength": 3,
        "pattern": "^[a-z]+$",
        "title": "Code",
        "default": "ab",
    }
    assert parameter(op, "weight")["schema"] == {
        "type": "number",
        "exclusiveMaximum": 10.5,
        "title": "Weight",
        "default": 1.0,
    }


def test_aliases_and_header_name_conversion() -> None:
    app = App()

    @app.get("/h")
    async def headers(
        item_q: Annotated[str, Query(alias="item-query")],
        x_raw: Annotated[str, Header(convert_underscores=False)],
        user_agent: Annotated[str, Header()],
        token: Annotated[str, Header(alias="X-Api-Token")],
    ) -> None: ...

    op = operation_of(app, "/h")
    names = [(p["in"], p["name"], p["required"]) for p in op["parameters"]]
    assert names == [
        ("query", "item-query", True),
        ("header", "x_raw", True),
        ("header", "user-agent", True),
        ("header", "x-api-token", True),
    ]


def test_documentation_keywords() -> None:
    app = App()

    @app.get("/docs-kw/{slug}")
    async def documented(
        slug: Annotated[str, Path(title="The slug", description="A short name")],
        old: Annotated[str | None, Query(deprecated=True, description="Use new")] = None,
        ex: Annotated[int, Query(examples=[1, 2])] = 0,
        named: Annotated[int, Query(openapi_examples={"one": {"summary": "One", "value": 1}})] = 0,
        extra: Annotated[str, Query(json_schema_extra={"x-internal": True})] = "",
        hidden: Annotated[str, Query(include_in_schema=False)] = "",
    ) -> None: ...

    op = operation_of(app, "/docs-kw/{slug}")
    assert parameter(op, "slug") == {
        "name": "slug",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "title": "The slug", "description": "A short name"},
        "description": "A short name",
    }
    old = parameter(op, "old")
    assert old["deprecated"] is True
    assert old["description"] == "Use new"
    assert parameter(op, "ex")["schema"]["examples"] == [1, 2]
    assert parameter(op, "named")["examples"] == {"one": {"summary": "One", "value": 1}}
    assert parameter(op, "extra")["schema"]["x-internal"] is True
    assert "hidden" not in [p["name"] for p in op["parameters"]]


def test_a_pydantic_fields_documentation() -> None:
    app = App()

    @app.get("/field")
    async def field(
        size: Annotated[
            int, pydantic.Field(ge=1, title="Size", description="Page size", examples=[20])
        ] = 10,
        old: Annotated[str, Query(), pydantic.Field(deprecated=True, description="Gone")] = "",
    ) -> None: ...

    op = operation_of(app, "/field")
    assert parameter(op, "size") == {
        "name": "size",
        "in": "query",
        "required": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "title": "Size",
            "default": 10,
            "description": "Page size",
            "examples": [20],
        },
        "description": "Page size",
    }
    assert parameter(op, "old")["deprecated"] is True
    assert parameter(op, "old")["description"] == "Gone"


def test_list_query_parameters_explode() -> None:
    app = App()

    @app.get("/tags")
    async def by_tags(tag: list[str], n: Annotated[list[int] | None, Query()] = None) -> None: ...

    op = operation_of(app, "/tags")
    assert parameter(op, "tag") == {
        "name": "tag",
        "in": "query",
        "required": True,
        "schema": {"type": "array", "items": {"type": "string"}, "title": "Tag"},
    }  # style form, explode: the defaults for the query, as Squall reads it
    assert parameter(op, "n")["schema"]["anyOf"][0] == {
        "type": "array",
        "items": {"type": "integer"},
    }


def test_dependency_parameters_are_the_operations_once_each_by_place() -> None:
    app = App()

    async def paging(skip: int = 0, limit: int = 10) -> dict[str, int]:
        return {"skip": skip, "limit": limit}

    async def tenant(x_tenant: Annotated[str, Header()], limit: int = 10) -> str:
        return x_tenant

    @app.get("/things", dependencies=[Depends(tenant)])
    async def things(page: Annotated[dict[str, int], Depends(paging)], q: str = "") -> None: ...

    op = operation_of(app, "/things")
    assert [(p["in"], p["name"]) for p in op["parameters"]] == [
        ("query", "limit"),
        ("query", "skip"),
        ("query", "q"),
        ("header", "x-tenant"),
    ]
