"""Exceptions raised in middleware: the same answers whatever form the middleware takes (an
``@app.middleware("http")`` function, a class with ``dispatch`` only, a class with hooks) and
whichever way the App runs (TestClient, Squall's server, uvicorn), side by side with FastAPI.

Starlette puts its ``ExceptionMiddleware`` (the handlers of HTTPException and of registered
classes) inside the user's middleware, so an exception a middleware raises reaches only the
handler of ``Exception`` (or 500), else a plain 500.  Squall answers every exception out of a
layer with the App's handlers (one error path): where FastAPI gives a handler's answer, so
does Squall; where FastAPI gives a 500 for an ``HTTPException`` or a class with a handler,
Squall gives that handler's answer (README, "Middleware").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import fastapi
import httpx
import pytest
from fastapi.responses import JSONResponse as FastJSONResponse

from squall import App, HTTPException, Request
from squall.middleware import RequestIdMiddleware
from squall.middleware.base import SquallMiddleware
from squall.middleware.hooks import Hooks
from squall.responses import JSONResponse, Response
from squall.testing import TestClient
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.server.serving import captured_errors

PATHS = [
    "/before-http", "/before-custom", "/before-other", "/after-http", "/after-custom",
    "/after-other", "/endpoint-custom", "/ok",
]  # fmt: skip
FORMS = ["function", "dispatch", "hooks"]


class Custom(Exception):
    pass


class Other(Exception):
    pass


def fail_for(path: str, stage: str) -> None:
    """Raise what the path names, at its stage (``before`` or ``after`` call_next)."""
    if not path.startswith(f"/{stage}"):
        return
    if path.endswith("-http"):
        raise HTTPException(418, "teapot")
    raise Custom() if path.endswith("-custom") else Other()


class Raising(SquallMiddleware):
    """A dispatch-only layer (the chain)."""

    async def dispatch(self, request: Request, call_next: Any) -> Response:
        fail_for(request.url.path, "before")
        response: Response = await call_next(request)
        fail_for(request.url.path, "after")
        return response


class RaisingHooks(Raising):
    """The same layer with hooks (called inline on Squall's server)."""

    def hooks(self) -> Hooks:
        def before(native: Any) -> None:
            fail_for(native.path, "before")

        def after(native: Any, request: Request | None, outcome: Any) -> Any:
            fail_for(native.path, "after")
            return outcome

        return Hooks(before=before, after=after)


def squall_app(form: str, catch_all: bool) -> App:
    app = App()

    @app.exception_handler(Custom)
    async def on_custom(request: Request, exc: Custom) -> JSONResponse:
        return JSONResponse({"handled": "custom"}, status_code=409)

    if catch_all:

        @app.exception_handler(Exception)
        async def on_any(request: Request, exc: Exception) -> JSONResponse:
            return JSONResponse({"handled": type(exc).__name__}, status_code=500)

    if form == "function":

        @app.middleware("http")
        async def raising(request: Request, call_next: Any) -> Response:
            return await Raising.dispatch(None, request, call_next)  # type: ignore[arg-type]

    else:
        app.add_middleware(RaisingHooks if form == "hooks" else Raising)
    app.add_middleware(RequestIdMiddleware)  # outside: it sees no answer to an exception

    @app.get("/{name}")
    async def endpoint(name: str) -> dict[str, str]:
        if name == "endpoint-custom":
            raise Custom()
        return {"name": name}

    return app


def fastapi_app(catch_all: bool) -> fastapi.FastAPI:
    app = fastapi.FastAPI()

    @app.exception_handler(Custom)
    async def on_custom(request: fastapi.Request, exc: Custom) -> FastJSONResponse:
        return FastJSONResponse({"handled": "custom"}, status_code=409)

    if catch_all:

        @app.exception_handler(Exception)
        async def on_any(request: fastapi.Request, exc: Exception) -> FastJSONResponse:
            return FastJSONResponse({"handled": type(exc).__name__}, status_code=500)

    @app.middleware("http")
    async def raising(request: fastapi.Request, call_next: Any) -> Any:
        fail_for(request.url.path, "before")
        response = await call_next(request)
        fail_for(request.url.path, "after")
        return response

    @app.get("/{name}")
    async def endpoint(name: str) -> dict[str, str]:
        if name == "endpoint-custom":
            raise Custom()
        return {"name": name}

    return app


def answer(response: httpx.Response) -> tuple[int, str, bool]:
    """Status, body, and whether the outer middleware's header came (no: an exception)."""
    return response.status_code, response.text, "x-request-id" in response.headers


@pytest.fixture(params=["testclient", "squall-native", "uvicorn-asgi"])
def answers_of(
    request: pytest.FixtureRequest,
) -> Iterator[Callable[[Any], list[tuple[int, str, bool]]]]:
    def answers(app: Any) -> list[tuple[int, str, bool]]:
        if request.param == "testclient":
            with TestClient(app, raise_server_exceptions=False) as client:
                return [answer(client.get(path)) for path in PATHS]
        run = serve_with_squall if request.param == "squall-native" else serve_with_uvicorn
        with run(app) as url, httpx.Client(base_url=url, timeout=10) as client:
            return [answer(client.get(path)) for path in PATHS]

    with captured_errors():  # the unhandled ones are logged
        yield answers


def fastapi_answers(catch_all: bool) -> list[tuple[int, str]]:
    with TestClient(fastapi_app(catch_all), raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        return [answer(client.get(path))[:2] for path in PATHS]


@pytest.mark.parametrize("catch_all", [False, True], ids=["handlers", "and-Exception"])
def test_middleware_exceptions_get_the_same_answer_in_every_form(
    answers_of: Callable[[Any], list[tuple[int, str, bool]]], catch_all: bool
) -> None:
    by_form = {form: answers_of(squall_app(form, catch_all)) for form in FORMS}
    assert by_form["dispatch"] == by_form["function"]
    assert by_form["hooks"] == by_form["function"]
    ours = dict(zip(PATHS, by_form["hooks"], strict=True))
    theirs = dict(zip(PATHS, fastapi_answers(catch_all), strict=True))
    other = (500, '{"handled":"Other"}') if catch_all else (500, "Internal Server Error")
    assert ours == {
        "/before-http": (418, '{"detail":"teapot"}', False),  # FastAPI: 500 (see the module)
        "/before-custom": (409, '{"handled":"custom"}', False),  # FastAPI: 500
        "/before-other": (*other, False),
        "/after-http": (418, '{"detail":"teapot"}', False),  # FastAPI: 500
        "/after-custom": (409, '{"handled":"custom"}', False),  # FastAPI: 500
        "/after-other": (*other, False),
        "/endpoint-custom": (409, '{"handled":"custom"}', True),
        "/ok": (200, '{"name":"ok"}', True),
    }
    same_as_fastapi = ["/before-other", "/after-other", "/endpoint-custom", "/ok"]
    assert [ours[p][:2] for p in same_as_fastapi] == [theirs[p] for p in same_as_fastapi]
    fastapi_500 = (500, '{"handled":"HTTPException"}') if catch_all else other
    assert theirs["/before-http"] == fastapi_500  # Starlette's ServerErrorMiddleware's
