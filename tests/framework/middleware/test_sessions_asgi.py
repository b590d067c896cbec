"""SessionMiddleware's ASGI face: around a Starlette app (under uvicorn and Squall's server),
side by side with Starlette's own SessionMiddleware, behind a Squall App's mount, and on a
WebSocket; and the two formats do not read each other."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from squall import App, Request
from squall.middleware import SessionMiddleware
from squall.testing import TestClient

SECRET = "the same secret for both"
ServeApp = Callable[[Any], Any]


async def count(request: StarletteRequest) -> JSONResponse:
    request.session["n"] = request.session.get("n", 0) + 1
    return JSONResponse(request.session["n"])


async def read(request: StarletteRequest) -> JSONResponse:
    return JSONResponse(dict(request.session))


async def logout(request: StarletteRequest) -> JSONResponse:
    request.session.clear()
    return JSONResponse(None)


async def untouched(request: StarletteRequest) -> PlainTextResponse:
    return PlainTextResponse("plain")


async def greet(websocket: StarletteWebSocket) -> None:
    await websocket.accept()
    await websocket.send_json(dict(websocket.session))
    await websocket.close()


def starlette_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/count", count),
            Route("/read", read),
            Route("/logout", logout),
            Route("/untouched", untouched),
            WebSocketRoute("/ws", greet),
        ]
    )


def starlettes_own(app: Starlette) -> Any:
    """Starlette's SessionMiddleware around ``app`` (it needs itsdangerous: the dev extra)."""
    try:
        from starlette.middleware.sessions import SessionMiddleware as Theirs
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("Starlette's SessionMiddleware needs itsdangerous (pip install -e '.[dev]')")
    return Theirs(app, secret_key=SECRET)


def script(client: httpx.Client) -> list[Any]:
    """One visit: what each request answered and whether it set or cleared the cookie."""
    steps = ["/read", "/count", "/count", "/read", "/untouched", "/logout", "/read", "/count"]
    seen = []
    for path in steps:
        answer = client.get(path)
        cookie = answer.headers.get("set-cookie", "")
        written = "cleared" if "1970" in cookie else "set" if cookie else "-"
        seen.append((path, answer.text, written, answer.headers.get("vary")))
    return seen


def test_around_a_starlette_app_it_answers_as_starlettes_own(serve_app: ServeApp) -> None:
    ours = SessionMiddleware(starlette_app(), secret_key=SECRET)
    theirs = starlettes_own(starlette_app())
    with (
        serve_app(ours) as our_url,
        serve_app(theirs) as their_url,
        httpx.Client(base_url=our_url) as a,
        httpx.Client(base_url=their_url) as b,
    ):
        our_visit, their_visit = script(a), script(b)
    assert our_visit == their_visit
    assert our_visit[2] == ("/count", "2", "set", "Cookie")
    assert our_visit[4] == ("/untouched", "plain", "-", None)  # untouched: no Vary either


def test_sessions_do_not_carry_over_between_starlette_and_squall(serve_app: ServeApp) -> None:
    ours = SessionMiddleware(starlette_app(), secret_key=SECRET)
    theirs = starlettes_own(starlette_app())
    with serve_app(ours) as our_url, serve_app(theirs) as their_url:
        our_cookie = httpx.get(our_url + "/count").cookies["session"]
        their_cookie = httpx.get(their_url + "/count").cookies["session"]
        assert httpx.get(their_url + "/read", cookies={"session": our_cookie}).json() == {}
        assert httpx.get(our_url + "/read", cookies={"session": their_cookie}).json() == {}


def test_a_mounted_app_shares_the_apps_session(serve_app: ServeApp) -> None:
    app = App()

    @app.get("/login")
    async def login(request: Request) -> None:
        request.session["user"] = "alice"

    app.mount("/legacy", starlette_app())
    app.add_middleware(SessionMiddleware, secret_key=SECRET)
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        client.get("/login")
        assert client.get("/legacy/read").json() == {"user": "alice"}  # through the ASGI face
        assert client.get("/legacy/count").json() == 1
        assert client.get("/legacy/read").json() == {"user": "alice", "n": 1}


def test_a_squall_app_wrapped_as_plain_asgi_reads_scope_session(serve_app: ServeApp) -> None:
    app = App()

    @app.get("/count")
    async def counter(request: Request) -> int:
        request.session["n"] = request.session.get("n", 0) + 1
        return int(request.session["n"])

    wrapped = SessionMiddleware(app, secret_key=SECRET)
    with serve_app(wrapped) as url, httpx.Client(base_url=url) as client:
        assert [client.get("/count").json() for _ in range(2)] == [1, 2]


@pytest.mark.parametrize("with_cookie", [True, False])
def test_a_websocket_gets_the_session(with_cookie: bool) -> None:
    app = SessionMiddleware(starlette_app(), secret_key=SECRET)
    with TestClient(app) as client:
        cookie = client.get("/count").cookies["session"]
        client.cookies.clear()  # only the header below carries it
        headers = {"cookie": f"session={cookie}"} if with_cookie else {}
        with client.websocket_connect("/ws", headers=headers) as websocket:
            assert websocket.receive_json() == ({"n": 1} if with_cookie else {})
