"""FastAPI-style apps for routing, response shaping and errors, run both ways (see conftest)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any, TypedDict

import httpx
import msgspec
import pydantic
import pytest
from starlette.exceptions import HTTPException as StarletteHTTPException

from squall import App, HTMLResponse, JSONResponse, PlainTextResponse, Request, Router
from squall.exceptions import HTTPException, RequestValidationError
from tests.compat.conftest import ClientFor
from tests.framework.conftest import serve_with_uvicorn
from tests.server.serving import serve

# -- 1. Output shaped by the declared type ------------------------------------------------


class BaseUser(pydantic.BaseModel):
    name: str
    email: str


class UserIn(BaseUser):
    password: str


class StructUser(msgspec.Struct):
    name: str


class StructUserIn(StructUser):
    password: str


@dataclasses.dataclass
class DataUser:
    name: str


@dataclasses.dataclass
class DataUserIn(DataUser):
    password: str


class DictUser(TypedDict):
    name: str


def test_return_annotation_filters_a_subclass(client_for: ClientFor) -> None:
    app = App()

    @app.post("/user")
    async def create(user: UserIn) -> BaseUser:
        return user

    @app.get("/struct")
    async def struct() -> StructUser:
        return StructUserIn("a", "secret")

    @app.get("/dataclass")
    async def data() -> DataUser:
        return DataUserIn("a", "secret")

    @app.get("/typeddict")
    async def typed() -> DictUser:
        return {"name": "a", "password": "secret"}  # type: ignore[typeddict-unknown-key]

    @app.get("/list")
    async def many() -> list[BaseUser]:
        return [UserIn(name="a", email="a@x", password="secret")]

    @app.get("/dict")
    async def by_name() -> dict[str, StructUser]:
        return {"a": StructUserIn("a", "secret")}

    client = client_for(app)
    sent = {"name": "a", "email": "a@x", "password": "secret"}
    assert client.post("/user", json=sent).json() == {"name": "a", "email": "a@x"}
    assert client.get("/struct").json() == {"name": "a"}
    assert client.get("/dataclass").json() == {"name": "a"}
    assert client.get("/typeddict").json() == {"name": "a"}
    assert client.get("/list").json() == [{"name": "a", "email": "a@x"}]
    assert client.get("/dict").json() == {"a": {"name": "a"}}


class Item(pydantic.BaseModel):
    name: str
    description: str | None = None
    price: float = 1.0
    tax: float | None = None


def test_response_model_wins_and_its_options(client_for: ClientFor) -> None:
    app = App()

    @app.post("/user", response_model=BaseUser)
    async def create(user: UserIn) -> Any:
        return user

    @app.get("/raw", response_model=None)
    async def raw() -> BaseUser:
        return UserIn(name="a", email="a@x", password="kept")

    @app.get("/unset", response_model=Item, response_model_exclude_unset=True)
    async def unset() -> Any:
        return {"name": "a", "tax": None}

    @app.get("/none", response_model=Item, response_model_exclude_none=True)
    async def none() -> Any:
        return Item(name="a")

    @app.get("/include", response_model=Item, response_model_include={"name", "price"})
    async def include() -> Any:
        return Item(name="a", tax=2)

    @app.get("/exclude", response_model=list[Item], response_model_exclude={"tax"})
    async def exclude() -> Any:
        return [Item(name="a", tax=2)]

    @app.get("/struct", response_model=StructUser, response_model_exclude={"name"})
    async def struct() -> Any:
        return StructUser("a")

    client = client_for(app)
    sent = {"name": "a", "email": "a@x", "password": "secret"}
    assert client.post("/user", json=sent).json() == {"name": "a", "email": "a@x"}
    assert client.get("/raw").json() == {"name": "a", "email": "a@x", "password": "kept"}
    assert client.get("/unset").json() == {"name": "a", "tax": None}
    assert client.get("/none").json() == {"name": "a", "price": 1.0}
    assert client.get("/include").json() == {"name": "a", "price": 1.0}
    assert client.get("/exclude").json() == [{"name": "a", "description": None, "price": 1.0}]
    assert client.get("/struct").json() == {}


# -- 2. response_class ----------------------------------------------------------------------


def test_response_class_and_default_response_class(client_for: ClientFor) -> None:
    app = App(default_response_class=PlainTextResponse)

    @app.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<h1>hi</h1>"

    @app.get("/text", status_code=201)
    async def text() -> str:
        return "plain"

    @app.get("/json", response_class=JSONResponse)
    async def as_json() -> dict[str, int]:
        return {"a": 1}

    client = client_for(app)
    page_response = client.get("/page")
    assert page_response.text == "<h1>hi</h1>"
    assert page_response.headers["content-type"].startswith("text/html")
    text_response = client.get("/text")
    assert (text_response.status_code, text_response.text) == (201, "plain")
    assert text_response.headers["content-type"].startswith("text/plain")
    assert client.get("/json").json() == {"a": 1}


# -- 3. Route metadata, api_route, add_api_route ------------------------------------------


def test_route_metadata_is_kept_and_api_route_works(client_for: ClientFor) -> None:
    app = App(
        title="Shop",
        version="2.0",
        description="d",
        summary="s",
        terms_of_service="https://x/tos",
        contact={"name": "me"},
        license_info={"name": "MIT"},
        openapi_url="/api.json",
        docs_url=None,
        redoc_url=None,
        openapi_tags=[{"name": "items"}],
        servers=[{"url": "https://x"}],
    )
    router = Router(prefix="/r", tags=["r"])

    @app.get(
        "/items",
        summary="List items",
        description="All of them",
        responses={404: {"description": "none"}},
        name="list_items",
        deprecated=True,
        include_in_schema=False,
        operation_id="listItems",
        tags=["items"],
        response_description="The items",
        openapi_extra={"x-a": 1},
    )
    async def items() -> list[str]:
        """Docstring."""
        return ["a"]

    @app.api_route("/both", methods=["GET", "POST"])
    async def both(request: Request) -> str:
        return request.method

    async def added() -> str:
        return "added"

    app.add_api_route("/added", added, methods=["PUT"])

    @router.api_route("/x", methods=["DELETE"])
    async def routed() -> str:
        return "routed"

    app.include_router(router)
    client = client_for(app)
    assert client.get("/items").json() == ["a"]
    assert client.get("/both").json() == "GET"
    assert client.post("/both").json() == "POST"
    assert client.put("/added").json() == "added"
    assert client.delete("/r/x").json() == "routed"
    assert (app.title, app.version, app.openapi_url, app.docs_url) == (
        "Shop",
        "2.0",
        "/api.json",
        None,
    )
    declared = next(route.declaration for route in app.routes if route.path == "/items")
    assert declared is not None
    assert (declared.summary, declared.name, declared.operation_id) == (
        "List items",
        "list_items",
        "listItems",
    )
    assert declared.deprecated and not declared.include_in_schema
    assert declared.responses == {404: {"description": "none"}}
    assert declared.openapi_extra == {"x-a": 1}


# -- 4. Routing by method between static and parametrized paths ---------------------------


def test_method_chooses_between_static_and_parametrized(client_for: ClientFor) -> None:
    app = App()

    @app.get("/users/me")
    async def me() -> str:
        return "me"

    @app.post("/users/{uid}")
    async def update(uid: str) -> str:
        return f"update {uid}"

    @app.get("/files/{n:int}")
    async def by_number(n: int) -> int:
        return n

    @app.delete("/files/{name}")
    async def remove(name: str) -> str:
        return f"removed {name}"

    client = client_for(app)
    assert client.get("/users/me").json() == "me"
    assert client.post("/users/me").json() == "update me"
    assert client.delete("/files/3").json() == "removed 3"
    assert client.get("/files/3").json() == 3
    refused = client.put("/users/me")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, POST"


# -- 5. root_path ---------------------------------------------------------------------------


def _root_app() -> App:
    app = App()

    @app.get("/x")
    async def x(request: Request) -> str:
        return request.path

    @app.get("/dir/")
    async def directory() -> str:
        return "dir"

    return app


def test_root_path_on_squalls_server() -> None:
    for with_middleware in (False, True):
        app = _root_app()
        if with_middleware:

            @app.middleware("http")
            async def passthrough(request: Request, call_next: Any) -> Any:
                return await call_next(request)

        with serve(app, root_path="/api") as running, httpx.Client(base_url=running.url) as client:
            assert client.get("/x").json() == "/api/x"
            assert client.get("/api/x").status_code == 404
            moved = client.get("/dir")
            assert (moved.status_code, moved.headers["location"]) == (307, "/api/dir/")


def test_root_path_behind_uvicorn_and_from_the_app() -> None:
    for with_middleware in (False, True):
        app = _root_app()
        if with_middleware:

            @app.middleware("http")
            async def passthrough(request: Request, call_next: Any) -> Any:
                return await call_next(request)

        with (
            serve_with_uvicorn(app, root_path="/api", lifespan="auto") as url,
            httpx.Client(base_url=url) as client,
        ):
            assert client.get("/x").json() == "/api/x"
            assert client.get("/api/x").status_code == 404
            moved = client.get("/dir")
            assert (moved.status_code, moved.headers["location"]) == (307, "/api/dir/")
    # App(root_path=...): a proxy that strips the prefix itself; paths are routed as they come.
    app = App(root_path="/api")

    @app.get("/x")
    async def x(request: Request) -> str:
        return request.path

    with serve(app) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/x").json() == "/x"
        assert client.get("/api/x").json() == "/api/x"


def test_root_path_routes_a_path_that_looks_prefixed_by_it() -> None:
    app = App()

    @app.get("/items/all")
    async def items() -> str:
        return "items"

    @app.get("/api/items/all")
    async def prefixed() -> str:
        return "api items"

    with serve(app, root_path="/api") as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/items/all").json() == "items"
        assert client.get("/api/items/all").json() == "api items"


def _call_asgi(app: Any, path: str, root_path: str) -> tuple[int, dict[str, str], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": root_path,
        "headers": [],
        "client": ("c", 1),
        "server": ("s", 80),
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    headers = {k.decode(): v.decode() for k, v in messages[0]["headers"]}
    return messages[0]["status"], headers, b"".join(m.get("body", b"") for m in messages[1:])


def test_root_path_under_asgi_with_middleware() -> None:
    app = _root_app()

    class Passthrough:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            await self.inner(scope, receive, send)

    app.add_middleware(Passthrough)

    @app.middleware("http")
    async def passthrough(request: Request, call_next: Any) -> Any:
        return await call_next(request)

    assert _call_asgi(app, "/api/x", "/api")[::2] == (200, b'"/api/x"')
    assert _call_asgi(app, "/api/api/x", "/api")[0] == 404
    status, headers, _ = _call_asgi(app, "/api/dir", "/api")
    assert (status, headers["location"]) == (307, "/api/dir/")


# -- 6. Exception handlers for 404/405, Starlette's HTTPException --------------------------


def test_status_handlers_see_unknown_paths_and_wrong_methods(client_for: ClientFor) -> None:
    app = App()

    @app.get("/here")
    async def here() -> str:
        raise StarletteHTTPException(418, "teapot", headers={"x-why": "tea"})

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"missing": request.path}, status_code=404)

    @app.exception_handler(405)
    async def wrong_method(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"allow": exc.headers["allow"]}, status_code=405)

    client = client_for(app)
    assert client.get("/nowhere").json() == {"missing": "/nowhere"}
    assert client.post("/here").json() == {"allow": "GET, HEAD"}
    teapot = client.get("/here")
    assert (teapot.status_code, teapot.json()) == (418, {"detail": "teapot"})
    assert teapot.headers["x-why"] == "tea"


def test_starlette_http_exception_handler_catches_every_http_error(client_for: ClientFor) -> None:
    app = App()

    @app.get("/raise")
    async def raising() -> str:
        raise HTTPException(status_code=401, detail="who", headers={"www-authenticate": "x"})

    @app.exception_handler(StarletteHTTPException)
    async def handle(request: Request, exc: Any) -> PlainTextResponse:
        return PlainTextResponse(f"{exc.status_code} {exc.detail}", status_code=exc.status_code)

    client = client_for(app)
    assert client.get("/raise").text == "401 who"
    assert client.get("/nowhere").text == "404 Not Found"


# -- 7. RequestValidationError ------------------------------------------------------------


def test_request_validation_error_handler(client_for: ClientFor) -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    @app.get("/q")
    async def query(n: int) -> int:
        return n

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"errors": len(exc.errors()), "body": exc.body}, status_code=400)

    client = client_for(app)
    refused = client.post("/items", json={"price": 2})
    assert (refused.status_code, refused.json()) == (400, {"errors": 1, "body": {"price": 2}})
    assert client.get("/q?n=x").json() == {"errors": 1, "body": None}


def test_validation_error_default_shape_is_kept(client_for: ClientFor) -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    client = client_for(app)
    refused = client.post("/items", json={"price": 2})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "name"]
    error = RequestValidationError([{"loc": ["query", "n"]}], body=b"x")
    assert error.errors() == [{"loc": ["query", "n"]}] and error.body == b"x"


# -- 8. on_event ---------------------------------------------------------------------------


def test_on_event_startup_and_shutdown(client_for: ClientFor) -> None:
    app = App()
    events: list[str] = []

    @app.on_event("startup")
    async def started() -> None:
        events.append("startup")

    @app.on_event("shutdown")
    def stopped() -> None:
        events.append("shutdown")

    @app.get("/events")
    async def seen() -> list[str]:
        return events

    with pytest.raises(ValueError):
        app.on_event("other")
    client = client_for(app)
    assert client.get("/events").json() == ["startup"]


def test_default_handlers_to_fall_back_on(client_for: ClientFor) -> None:
    from squall.exception_handlers import (
        http_exception_handler,
        request_validation_exception_handler,
    )

    app = App()
    seen: list[str] = []

    @app.get("/q")
    async def query(n: int) -> int:
        raise HTTPException(409, "taken", headers={"x-a": "1"})

    @app.exception_handler(HTTPException)
    async def logged(request: Request, exc: HTTPException) -> Any:
        seen.append(request.path)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        seen.append("invalid")
        return await request_validation_exception_handler(request, exc)

    client = client_for(app)
    taken = client.get("/q?n=1")
    assert (taken.status_code, taken.json(), taken.headers["x-a"]) == (
        409,
        {"detail": "taken"},
        "1",
    )
    assert client.get("/q?n=x").status_code == 422
    assert client.get("/nowhere").json() == {"detail": "Not Found"}
    assert seen == ["/q", "invalid", "/nowhere"]


def test_a_handler_for_exception_leaves_http_errors_alone(client_for: ClientFor) -> None:
    app = App()

    @app.get("/fail")
    async def fail() -> str:
        raise RuntimeError("boom")

    @app.get("/missing")
    async def missing(n: int) -> str:
        raise HTTPException(404, "no such thing")

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> PlainTextResponse:
        return PlainTextResponse(f"crashed: {exc}", status_code=500)

    client = client_for(app)
    assert client.get("/fail").text == "crashed: boom"
    assert client.get("/missing?n=1").json() == {"detail": "no such thing"}
    assert client.get("/missing?n=x").status_code == 422
    assert client.get("/nowhere").json() == {"detail": "Not Found"}
