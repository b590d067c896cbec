"""pydantic models, streaming, cookies, HTML, redirects and return-type conversion."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import msgspec
from pydantic import BaseModel, Field

from squall import (
    App,
    Cookie,
    HTMLResponse,
    Path,
    RedirectResponse,
    Response,
    StreamingResponse,
)


class Signup(BaseModel):
    email: str
    age: int = Field(ge=18)


class Public(msgspec.Struct):
    name: str


def build_app() -> App:
    app = App()

    @app.post("/signup")
    async def signup(form: Signup) -> Signup:
        return form

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> AsyncIterator[str]:
            for i in range(3):
                await asyncio.sleep(0.01)
                yield f"part{i};"

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/login")
    async def login() -> Response:
        response = HTMLResponse("<p>hi</p>")
        response.set_cookie("session", "abc", httponly=True, max_age=60)
        return response

    @app.get("/whoami")
    async def whoami(session: Annotated[str, Cookie()] = "none") -> str:
        return session

    @app.get("/old")
    async def old() -> RedirectResponse:
        return RedirectResponse("/new", status_code=301)

    @app.get("/users/{user_id}")
    async def user(uid: Annotated[int, Path(alias="user_id")]) -> Public:
        return {"name": f"user{uid}", "password": "never shown"}  # type: ignore[return-value]

    return app


def test_pydantic_models_in_and_out(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        ok = client.post("/signup", json={"email": "a@b.c", "age": 30})
        assert ok.json() == {"email": "a@b.c", "age": 30}
        young = client.post("/signup", json={"email": "a@b.c", "age": 3})
        assert young.status_code == 422
        assert young.json()["detail"][0]["loc"] == ["body", "age"]
        missing = client.post("/signup", json={"age": 30})
        assert missing.json()["detail"][0]["loc"] == ["body", "email"]
        broken = client.post(
            "/signup", content=b"{nope", headers={"content-type": "application/json"}
        )
        assert broken.status_code == 400


def test_streaming_responses_arrive_in_pieces(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.stream("GET", url + "/stream") as response:
        pieces = list(response.iter_raw())
        assert response.headers["content-type"] == "text/plain; charset=utf-8"  # as Starlette
    assert b"".join(pieces) == b"part0;part1;part2;"


def test_cookies_html_and_redirects(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url, httpx.Client(base_url=url) as client:
        login = client.get("/login")
        assert login.text == "<p>hi</p>"
        assert login.headers["content-type"].startswith("text/html")
        cookie = login.headers["set-cookie"]
        assert "session=abc" in cookie and "HttpOnly" in cookie and "Max-Age=60" in cookie
        assert client.get("/whoami").json() == "abc"  # the client sends the cookie back
        redirect = client.get("/old")
        assert (redirect.status_code, redirect.headers["location"]) == (301, "/new")


def test_the_declared_return_type_shapes_the_output(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app()) as url:
        assert httpx.get(url + "/users/7").json() == {"name": "user7"}  # password filtered out


def test_a_response_parameter_sets_status_headers_and_cookies(serve_app) -> None:  # type: ignore[no-untyped-def]
    app = App()

    @app.post("/things")
    async def create(response: Response) -> dict[str, str]:
        response.status_code = 201
        response.set_header("x-thing", "made")
        response.set_cookie("last", "thing")
        return {"made": "thing"}

    with serve_app(app) as url:
        made = httpx.post(url + "/things")
    assert (made.status_code, made.json()) == (201, {"made": "thing"})
    assert made.headers["x-thing"] == "made"
    assert made.headers["content-type"] == "application/json"
    assert "last=thing" in made.headers["set-cookie"]
