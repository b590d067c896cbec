"""FastAPI-style code using the request/response objects: headers, cookies, Request's
attributes, JSONResponse's encoding, StreamingResponse, ``status`` and the TestClient."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import threading
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Annotated, Any

import msgspec
import pydantic
import pytest

from squall import (
    App,
    Cookie,
    HTTPException,
    JSONResponse,
    Request,
    Response,
    StreamingResponse,
    jsonable_encoder,
    status,
)
from squall.encoders import jsonable_encoder as jsonable_encoder_from_encoders
from squall.responses import RedirectResponse
from squall.testclient import TestClient
from tests.compat.conftest import ClientFor

# -- 1. Headers -------------------------------------------------------------------------------


def test_headers_set_on_an_injected_response_reach_the_client(client_for: ClientFor) -> None:
    app = App()

    @app.get("/items")
    async def items(response: Response) -> dict[str, int]:
        response.headers["X-Total-Count"] = "3"
        response.headers.append("x-tag", "a")
        response.headers.append("x-tag", "b")
        return {"count": 3}

    client = client_for(app)
    answer = client.get("/items")
    assert answer.json() == {"count": 3}
    assert answer.headers["x-total-count"] == "3"
    assert answer.headers.get_list("x-tag") == ["a", "b"]


def test_headers_changed_on_a_returned_response_reach_the_client(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def index() -> Response:
        response = JSONResponse({"ok": True}, headers={"x-drop": "1", "X-Keep": "1"})
        response.headers["x-added"] = "yes"
        del response.headers["X-DROP"]
        response.headers["x-keep"] = "2"  # replaces, case-insensitively
        assert response.headers.getlist("x-keep") == ["2"]
        assert "x-drop" not in response.headers
        return response

    answer = client_for(app).get("/")
    assert answer.json() == {"ok": True}
    assert answer.headers["x-added"] == "yes"
    assert answer.headers.get_list("x-keep") == ["2"]
    assert "x-drop" not in answer.headers


def test_headers_set_in_http_middleware_reach_the_client(client_for: ClientFor) -> None:
    app = App()

    @app.middleware("http")
    async def add_process_time(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        response.headers["X-Process-Time"] = "0.1"
        del response.headers["x-internal"]
        return response

    @app.get("/")
    async def index(response: Response) -> str:
        response.headers["x-internal"] = "secret"
        return "hi"

    answer = client_for(app).get("/")
    assert answer.json() == "hi"
    assert answer.headers["x-process-time"] == "0.1"
    assert "x-internal" not in answer.headers


def test_request_headers_keep_repeated_fields(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def index(request: Request) -> dict[str, Any]:
        headers = request.headers
        return {
            "first": headers["X-Forwarded-For"],
            "all": headers.getlist("x-forwarded-for"),
            "keys": [key for key in headers if key == "x-forwarded-for"],
            "missing": headers.get("x-nothing", "default"),
        }

    answer = client_for(app).get(
        "/", headers=[("X-Forwarded-For", "10.0.0.1"), ("x-forwarded-for", "10.0.0.2")]
    )
    assert answer.json() == {
        "first": "10.0.0.1",
        "all": ["10.0.0.1", "10.0.0.2"],
        "keys": ["x-forwarded-for", "x-forwarded-for"],
        "missing": "default",
    }


# -- 2. Cookies -------------------------------------------------------------------------------


def _stdlib_cookie(key: str, value: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    jar[key] = value
    return jar[key].coded_value


def test_set_cookie_quotes_values_and_writes_every_attribute(client_for: ClientFor) -> None:
    app = App()
    expires = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)

    @app.post("/login")
    async def login(response: Response) -> dict[str, bool]:
        response.set_cookie("session", "a b; Domain=evil.example", httponly=True)
        response.set_cookie(
            "prefs",
            "dark",
            max_age=3600,
            expires=expires,
            path="/app",
            domain="example.com",
            secure=True,
            samesite="strict",
        )
        response.delete_cookie("old")
        return {"ok": True}

    answer = client_for(app).post("/login")
    cookies = answer.headers.get_list("set-cookie")
    assert len(cookies) == 3
    session, prefs, old = cookies
    assert session.startswith(f"session={_stdlib_cookie('session', 'a b; Domain=evil.example')};")
    assert "Domain" not in session.split(";", 1)[1].split('"')[-1]  # no injected attribute
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Path=/" in session
    assert prefs.split("; ")[0] == "prefs=dark"
    attributes = set(prefs.split("; ")[1:])
    assert attributes == {
        "Domain=example.com",
        "expires=Wed, 02 Jan 2030 03:04:05 GMT",
        "Max-Age=3600",
        "Path=/app",
        "SameSite=Strict",
        "Secure",
    }
    assert old.startswith('old=""; ') and "Max-Age=0" in old and "expires=" in old


def test_one_malformed_cookie_does_not_hide_the_others(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def index(
        request: Request, theme: Annotated[str | None, Cookie()] = None
    ) -> dict[str, Any]:
        return {"theme": theme, "cookies": request.cookies}

    client = client_for(app)
    header = 'session=abc; tracker="unterminated; theme=dark; quoted="x\\073y"'
    answer = client.get("/", headers={"cookie": header})
    assert answer.json()["theme"] == "dark"
    assert answer.json()["cookies"]["session"] == "abc"
    assert answer.json()["cookies"]["quoted"] == "x;y"


# -- 3. Request attributes ----------------------------------------------------------------------


def test_request_url_client_and_base_url(client_for: ClientFor) -> None:
    app = App()

    @app.get("/users/{user_id}")
    async def user(user_id: int, request: Request) -> dict[str, Any]:
        url = request.url
        assert request.client is not None
        return {
            "url": str(url),
            "path": url.path,
            "query": url.query,
            "scheme": url.scheme,
            "hostname": url.hostname,
            "port": url.port,
            "base_url": str(request.base_url),
            "client": [request.client.host, type(request.client.port).__name__],
            "path_params": request.path_params,
            "method": request.method,
            "query_params": request.query_params.getlist("tag"),
            "last_tag": request.query_params["tag"],
            "app": request.app is app,
            "scope_type": request.scope["type"],
        }

    client = client_for(app)
    answer = client.get("/users/7?tag=a&tag=b").json()
    origin = str(client.base_url).rstrip("/")
    assert answer["url"] == f"{origin}/users/7?tag=a&tag=b"
    assert answer["path"] == "/users/7" and answer["query"] == "tag=a&tag=b"
    assert answer["scheme"] == "http"
    assert answer["hostname"] == client.base_url.host
    assert answer["port"] == client.base_url.port
    assert answer["base_url"] == f"{origin}/"
    assert answer["client"][1] == "int" and answer["client"][0]
    assert answer["path_params"] == {"user_id": "7"} or answer["path_params"] == {"user_id": 7}
    assert answer["method"] == "GET"
    assert answer["query_params"] == ["a", "b"] and answer["last_tag"] == "b"
    assert answer["app"] is True and answer["scope_type"] == "http"


def test_request_state_by_attribute_from_middleware(client_for: ClientFor) -> None:
    app = App()

    @app.middleware("http")
    async def authenticate(request: Request, call_next: Any) -> Response:
        request.state.user = request.headers.get("x-user", "anonymous")
        return await call_next(request)

    @app.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        return {"user": request.state.user, "has_role": hasattr(request.state, "role")}

    assert client_for(app).get("/me", headers={"x-user": "ann"}).json() == {
        "user": "ann",
        "has_role": False,
    }


def test_request_json_and_body(client_for: ClientFor) -> None:
    app = App()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        raw = await request.body()
        data = await request.json()
        return {"data": data, "size": len(raw)}

    answer = client_for(app).post("/echo", json={"a": [1, 2]})
    assert answer.json() == {"data": {"a": [1, 2]}, "size": len(b'{"a":[1,2]}')}


def test_request_form_urlencoded_and_multipart(client_for: ClientFor) -> None:
    app = App()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, Any]:
        form = await request.form()
        result: dict[str, Any] = {"tags": form.getlist("tag"), "name": form.get("name")}
        document = form.get("document")
        if document is not None and not isinstance(document, str):
            result["file"] = {
                "filename": document.filename,
                "content_type": document.content_type,
                "content": (await document.read()).decode(),
            }
        await form.close()
        return result

    client = client_for(app)
    answer = client.post("/upload", data={"name": "ann", "tag": ["x", "y"]})
    assert answer.json() == {"tags": ["x", "y"], "name": "ann"}
    answer = client.post(
        "/upload",
        data={"name": "bob"},
        files={"document": ("notes.txt", b"hello file", "text/plain")},
    )
    assert answer.json() == {
        "tags": [],
        "name": "bob",
        "file": {"filename": "notes.txt", "content_type": "text/plain", "content": "hello file"},
    }


# -- 4. JSON encoding -----------------------------------------------------------------------------


class Item(pydantic.BaseModel):
    name: str
    price: decimal.Decimal
    tags: list[str] = []
    note: str | None = None


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Tag(msgspec.Struct):
    label: str


def test_json_response_encodes_models_dataclasses_structs_and_datetimes(
    client_for: ClientFor,
) -> None:
    app = App()
    when = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    ident = uuid.UUID(int=1)

    @app.get("/item")
    async def item() -> JSONResponse:
        return JSONResponse(Item(name="pen", price=decimal.Decimal("1.50")), status_code=201)

    @app.get("/mixed")
    async def mixed() -> JSONResponse:
        return JSONResponse({"point": Point(1, 2), "tag": Tag("x"), "when": when, "id": ident})

    client = client_for(app)
    answer = client.get("/item")
    assert answer.status_code == 201
    assert answer.json() == {"name": "pen", "price": "1.50", "tags": [], "note": None}
    assert client.get("/mixed").json() == {
        "point": {"x": 1, "y": 2},
        "tag": {"label": "x"},
        "when": "2024-05-06T07:08:09Z",
        "id": "00000000-0000-0000-0000-000000000001",
    }


def test_jsonable_encoder(client_for: ClientFor) -> None:
    assert jsonable_encoder is jsonable_encoder_from_encoders
    app = App()

    @app.get("/items")
    async def items() -> JSONResponse:
        item = Item(name="pen", price=decimal.Decimal("2"), tags=["a"])
        data = jsonable_encoder(item, exclude_none=True, exclude={"tags"})
        assert data == {"name": "pen", "price": "2"}
        mixed = jsonable_encoder(
            {"p": Point(1, 2), "day": datetime.date(2024, 1, 2), "n": None, "s": {3}},
            exclude_none=True,
        )
        assert mixed == {"p": {"x": 1, "y": 2}, "day": "2024-01-02", "s": [3]}
        assert jsonable_encoder(Point(3, 4), include={"x"}) == {"x": 3}
        return JSONResponse(data)

    assert client_for(app).get("/items").json() == {"name": "pen", "price": "2"}


# -- 5. StreamingResponse -------------------------------------------------------------------------


def test_streaming_response_iterates_a_sync_generator_in_the_thread_pool(
    client_for: ClientFor,
) -> None:
    app = App()
    threads: list[int] = []

    def rows(loop_thread: int) -> Iterator[str]:
        for number in range(3):
            threads.append(threading.get_ident())
            yield f"row {number}\n"
        assert threading.get_ident() != loop_thread

    async def numbers() -> Any:  # an async generator stays on the loop
        for number in range(2):
            assert threading.get_ident() == loop_threads[0]
            yield f"{number},"

    loop_threads: list[int] = []

    @app.get("/export")
    async def export() -> StreamingResponse:
        return StreamingResponse(rows(threading.get_ident()), media_type="text/csv")

    @app.get("/numbers")
    async def numbers_endpoint() -> StreamingResponse:
        loop_threads.append(threading.get_ident())
        return StreamingResponse(numbers(), media_type="text/plain")

    client = client_for(app)
    answer = client.get("/export")
    assert answer.text == "row 0\nrow 1\nrow 2\n"
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert len(threads) == 3
    assert client.get("/numbers").text == "0,1,"


# -- 6. status ------------------------------------------------------------------------------------


def test_status_constants(client_for: ClientFor) -> None:
    app = App()

    @app.post("/items", status_code=status.HTTP_201_CREATED)
    async def create() -> dict[str, bool]:
        return {"created": True}

    @app.get("/items/{item_id}")
    async def read(item_id: int) -> dict[str, int]:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Item not found")

    client = client_for(app)
    assert client.post("/items").status_code == 201
    assert client.get("/items/1").status_code == 404
    assert status.HTTP_422_UNPROCESSABLE_ENTITY == status.HTTP_422_UNPROCESSABLE_CONTENT == 422
    assert status.HTTP_418_IM_A_TEAPOT == 418 and status.HTTP_200_OK == 200
    assert status.WS_1000_NORMAL_CLOSURE == 1000 and status.WS_1008_POLICY_VIOLATION == 1008


def test_status_names_agree_with_http_status() -> None:
    from http import HTTPStatus

    for name, member in HTTPStatus.__members__.items():
        assert getattr(status, f"HTTP_{member.value}_{name}") == member.value


# -- 7. TestClient --------------------------------------------------------------------------------


def _redirecting_app() -> App:
    app = App()

    @app.get("/old")
    async def old() -> RedirectResponse:
        return RedirectResponse("/new")

    @app.get("/new")
    async def new(request: Request) -> dict[str, Any]:
        return {"agent": request.headers.get("user-agent"), "host": request.url.hostname}

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("kaboom")

    return app


def test_test_client_defaults_match_starlettes() -> None:
    app = _redirecting_app()
    with TestClient(app) as client:
        assert client.app is app
        answer = client.get("/old")
        assert answer.status_code == 200 and answer.url.path == "/new"
        assert answer.json() == {"agent": "testclient", "host": "testserver"}
        assert client.get("/old", follow_redirects=False).status_code == 307
    with TestClient(app, follow_redirects=False) as client:
        assert client.get("/old").status_code == 307


def test_test_client_raises_server_exceptions() -> None:
    app = _redirecting_app()
    with TestClient(app) as client, pytest.raises(RuntimeError, match="kaboom"):
        client.get("/boom")
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
        assert answer.status_code == 500
        assert client.get("/new").status_code == 200
