"""The framework's behaviour, over real sockets, on Squall's native path and under uvicorn."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, TypedDict

import httpx
import msgspec

from examples.users import app as users_app
from squall import App, Header, HTTPException, JSONResponse, PlainTextResponse, Query, Request

USER = {"id": 1, "name": "user", "email": "user@email.com"}


class Item(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Pair(TypedDict):
    left: str
    right: str


def build_app() -> App:
    app = App()
    events: list[str] = []

    @app.on_startup
    def started() -> None:
        events.append("started")

    @app.get("/events")
    async def get_events() -> list[str]:
        return events

    @app.get("/items/{item_id:int}")
    async def read_item(item_id: int, limit: int = 10, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "limit": limit, "q": q}

    @app.post("/items", status_code=201)
    async def create_item(item: Item) -> Item:
        return item

    @app.post("/points")
    def create_point(point: Point) -> dict[str, int]:  # a def endpoint: runs in the thread pool
        return {"sum": point.x + point.y}

    @app.post("/pairs")
    async def create_pair(pair: Pair) -> str:
        return pair["left"] + pair["right"]

    @app.get("/headers")
    async def headers(
        user_agent: Annotated[str, Header()],
        token: Annotated[int, Header(alias="x-token")],
        tags: Annotated[list[str], Query()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"ua": user_agent, "token": token, "tags": tags}

    @app.get("/request/{name}")
    async def with_request(name: str, request: Request) -> str:
        return f"{request.method} {request.path} {name}"

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, "short and stout", headers={"X-Pot": "1"})

    @app.get("/text")
    async def text() -> PlainTextResponse:
        return PlainTextResponse("plain", headers={"X-Extra": "yes"})

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret detail")

    @app.get("/slash/")
    async def slash() -> str:
        return "slashed"

    return app


def test_the_seed_endpoint(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(users_app) as url:
        response = httpx.post(url + "/user", json=USER)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == USER


def test_path_and_query_parameters_are_typed(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        assert client.get("/items/5").json() == {"item_id": 5, "limit": 10, "q": None}
        assert client.get("/items/5?limit=3&q=x").json() == {"item_id": 5, "limit": 3, "q": "x"}
        bad = client.get("/items/5?limit=many")
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["query", "limit"]
        assert client.get("/items/five").status_code == 404


def test_bodies_as_struct_dataclass_and_typeddict(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        created = client.post("/items", json={"name": "pen", "price": 1.5})
        assert created.status_code == 201
        assert created.json() == {"name": "pen", "price": 1.5, "tags": []}
        assert client.post("/points", json={"x": 2, "y": 3}).json() == {"sum": 5}
        assert client.post("/pairs", json={"left": "a", "right": "b"}).json() == "ab"


def test_bad_bodies_get_422_or_400_with_locations(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        wrong = client.post("/items", json={"name": "pen", "price": "cheap"})
        assert wrong.status_code == 422
        assert wrong.json()["detail"][0]["loc"] == ["body", "price"]
        missing = client.post("/items", json={"price": 1})
        assert missing.json()["detail"][0] == {
            "loc": ["body", "name"],
            "msg": "Field required",
            "type": "missing",
        }
        nested = client.post("/items", json={"name": "p", "price": 1, "tags": ["a", 2]})
        assert nested.json()["detail"][0]["loc"] == ["body", "tags", 1]
        empty = client.post("/items")
        assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body"]
        malformed = client.post(
            "/items", content=b'{"name": ', headers={"content-type": "application/json"}
        )
        assert malformed.status_code == 400
        assert "Malformed JSON" in malformed.json()["detail"]


def test_headers_query_lists_and_the_request(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        got = client.get("/headers?tags=a&tags=b", headers={"User-Agent": "t", "X-Token": "7"})
        assert got.json() == {"ua": "t", "token": 7, "tags": ["a", "b"]}
        no_token = client.get("/headers", headers={"User-Agent": "t"})
        assert no_token.status_code == 422
        assert no_token.json()["detail"][0]["loc"] == ["header", "x-token"]
        assert client.get("/request/bob").json() == "GET /request/bob bob"


def test_errors_404_405_redirects_and_exceptions(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        assert client.get("/nowhere").status_code == 404
        wrong_method = client.delete("/items")
        assert wrong_method.status_code == 405
        assert wrong_method.headers["allow"] == "POST"
        redirect = client.get("/slash?x=1")
        assert redirect.status_code == 307
        assert redirect.headers["location"] == "/slash/?x=1"
        teapot = client.get("/teapot")
        assert (teapot.status_code, teapot.json(), teapot.headers["x-pot"]) == (
            418,
            {"detail": "short and stout"},
            "1",
        )
        crash = client.get("/crash")
        assert crash.status_code == 500
        assert "secret" not in crash.text
        text = client.get("/text")
        assert (text.text, text.headers["x-extra"]) == ("plain", "yes")
        assert text.headers["content-type"].startswith("text/plain")


def test_startup_hooks_run(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url:
        assert httpx.get(url + "/events").json() == ["started"]


def direct_path_app() -> App:
    """Endpoints the native path serves directly (static path, async, at most a body)."""
    app = App()

    @app.post("/declared-response")
    async def declared_response(item: Item) -> JSONResponse:
        return JSONResponse({"got": item.name}, status_code=202)

    @app.post("/user-raises-msgspec-error")
    async def user_raises(item: Item) -> Item:
        msgspec.convert({"name": 1}, Item)  # the endpoint's own bug: a 500, not a 422
        return item

    @app.get("/no-params")
    async def no_params() -> dict[str, int]:
        return {"n": 1}

    @app.post("/optional-body")
    async def optional_body(item: Item | None = None) -> dict[str, Any]:
        return {"item": None if item is None else item.name}

    return app


def test_direct_endpoints_behave_as_routed_ones(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(direct_path_app()) as url, httpx.Client(base_url=url) as client:
        declared = client.post("/declared-response", json={"name": "pen", "price": 1})
        assert declared.status_code == 202 and declared.json() == {"got": "pen"}
        bug = client.post("/user-raises-msgspec-error", json={"name": "pen", "price": 1})
        assert bug.status_code == 500 and "detail" not in bug.text
        assert client.get("/no-params").json() == {"n": 1}
        assert client.post("/optional-body").json() == {"item": None}
        assert client.post("/optional-body", json={"name": "a", "price": 2}).json() == {"item": "a"}
        wrong = client.post("/declared-response", json={"name": "pen", "price": "x"})
        assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "price"]
        assert (
            client.post(
                "/declared-response", content=b"{", headers={"content-type": "application/json"}
            ).status_code
            == 400
        )
        assert client.post("/no-params").status_code == 405
