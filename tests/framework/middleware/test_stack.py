"""The order and the two faces of middleware: as in Starlette, the one added last is the
outermost; Squall's middleware classes keep the native path and also wrap mounted apps."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from squall import App, Request, Response
from squall.middleware import CallNext, Middleware, SquallMiddleware
from tests.compat.conftest import ClientFor


class Tag(SquallMiddleware):
    """Appends its name to an ``x-trail`` response header, in both faces."""

    def __init__(self, app: Any, name: str) -> None:
        super().__init__(app)
        self.name = name

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-trail"] = _trail(response.headers.get("x-trail"), self.name)
        return response

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def tagged(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message["headers"] if k != b"x-trail"]
                before = dict(message["headers"]).get(b"x-trail")
                trail = _trail(None if before is None else before.decode(), self.name)
                message = {**message, "headers": [*headers, (b"x-trail", trail.encode())]}
            await send(message)

        await self.app(scope, receive, tagged)


def _trail(before: str | None, name: str) -> str:
    return name if before is None else f"{before},{name}"


def tagged_app(*names: str) -> App:
    app = App()

    @app.get("/")
    async def index() -> str:
        return "hi"

    for name in names:
        app.add_middleware(Tag, name=name)
    return app


def test_the_middleware_added_last_is_the_outermost(client_for: ClientFor) -> None:
    answer = client_for(tagged_app("inner", "outer")).get("/")
    assert answer.json() == "hi"
    assert answer.headers["x-trail"] == "inner,outer"  # the outer one sees the inner's work


def test_app_middleware_list_puts_the_first_outermost(client_for: ClientFor) -> None:
    app = App(middleware=[Middleware(Tag, name="outer"), Middleware(Tag, name="inner")])

    @app.get("/")
    async def index() -> str:
        return "hi"

    assert client_for(app).get("/").headers["x-trail"] == "inner,outer"


def test_functions_and_classes_share_one_order(client_for: ClientFor) -> None:
    app = tagged_app("first")

    @app.middleware("http")
    async def second(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-trail"] += ",second"
        return response

    app.add_middleware(Tag, name="third")
    assert client_for(app).get("/").headers["x-trail"] == "first,second,third"


def test_squall_middleware_keeps_the_native_path_asgi_middleware_does_not() -> None:
    app = tagged_app("tag")
    assert app.__squall_native__() is not None
    app.add_middleware(GZipMiddleware)
    assert app.__squall_native__() is None


def test_asgi_middleware_wraps_outside_the_framework_chain(client_for: ClientFor) -> None:
    app = tagged_app("framework")
    app.add_middleware(GZipMiddleware, minimum_size=1)
    answer = client_for(app).get("/", headers={"accept-encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert (answer.json(), answer.headers["x-trail"]) == ("hi", "framework")


def test_a_mounted_app_goes_through_the_asgi_faces_in_order(client_for: ClientFor) -> None:
    app = tagged_app("inner", "outer")
    mounted = Starlette(routes=[Route("/page", lambda request: PlainTextResponse("page"))])
    app.mount("/sub", mounted)
    answer = client_for(app).get("/sub/page")
    assert answer.text == "page"
    assert answer.headers["x-trail"] == "inner,outer"


def test_a_middleware_option_passed_by_position_is_refused() -> None:
    with pytest.raises(TypeError, match="by name"):
        Middleware(Tag, "tag")


def test_squall_middleware_wraps_any_asgi_app(serve_app: Any) -> None:
    import httpx

    inner = Starlette(routes=[Route("/", lambda request: PlainTextResponse("plain"))])
    with serve_app(Tag(Tag(inner, name="a"), name="b")) as url:
        answer = httpx.get(url + "/")
    assert (answer.text, answer.headers["x-trail"]) == ("plain", "a,b")
