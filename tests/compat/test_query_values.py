"""Endpoints that take only query values: on Squall's server they are served by the direct
path (squall/query_reader.py), through TestClient by the general extractors. Both must give
the same values and the same 422s."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest

from squall import App, Query, Request, RequestValidationError
from squall.responses import JSONResponse
from squall.route import Route


def make_app() -> App:
    app = App()

    @app.get("/add")
    async def add(a: int, b: int = 10) -> int:
        return a + b

    @app.get("/echo")
    async def echo(
        q: str,
        limit: Annotated[int, msgspec.Meta(ge=1, le=50)] = 5,
        tag: Annotated[str | None, Query(alias="item-tag")] = None,
    ) -> dict[str, Any]:
        return {"q": q, "limit": limit, "tag": tag}

    return app


def test_these_routes_are_served_directly() -> None:
    static = make_app().router.static
    routes = [static["/add"]["GET"], static["/echo"]["GET"]]
    assert all(isinstance(r, Route) and r.direct and r.read_query for r in routes)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/add?a=1&b=2", 3),
        ("/add?a=1", 11),  # the default
        ("/add?a=1&a=5&b=2", 7),  # a repeated name: its last value, as Starlette
        ("/add?b=2&a=%34%32", 44),  # percent-escapes decoded
        ("/add?&&a=1&&b=1&", 2),  # empty pieces skipped
        ("/add?a=1&c=9&b=2", 3),  # unknown names ignored
    ],
)
def test_values(client_for: Any, target: str, expected: int) -> None:
    client = client_for(make_app())
    response = client.get(target)
    assert response.status_code == 200, response.text
    assert response.json() == expected


def test_strings_aliases_and_meta(client_for: Any) -> None:
    client = client_for(make_app())
    response = client.get("/echo?q=hello+world&item-tag=x%26y&limit=50")
    assert response.json() == {"q": "hello world", "limit": 50, "tag": "x&y"}
    assert client.get("/echo?q=").json() == {"q": "", "limit": 5, "tag": None}


def test_errors_are_all_reported(client_for: Any) -> None:
    client = client_for(make_app())
    response = client.get("/echo?limit=0")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [entry["loc"] for entry in detail] == [["query", "q"], ["query", "limit"]]
    assert detail[0]["type"] == "missing"
    response = client.get("/add?a=x&b=1.5")
    assert response.status_code == 422
    assert [entry["loc"] for entry in response.json()["detail"]] == [
        ["query", "a"],
        ["query", "b"],
    ]
    assert client.get("/add?a=%EF%BC%91").status_code == 422  # a fullwidth digit is no int


def test_a_validation_handler_sees_the_request(client_for: Any) -> None:
    app = make_app()

    @app.exception_handler(RequestValidationError)
    async def handler(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"path": request.url.path, "errors": len(exc.errors())}, 400)

    client = client_for(app)
    response = client.get("/add?a=x&b=y")
    assert response.status_code == 400
    assert response.json() == {"path": "/add", "errors": 2}
