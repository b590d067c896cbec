"""Framework and ASGI middleware, exception handlers, and the lifespan context manager."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from squall import App, HTTPException, JSONResponse, Request


class OutOfStock(Exception):
    def __init__(self, item: str) -> None:
        self.item = item


def build_app(log: list[str]) -> App:
    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        log.append("enter")
        yield {"db": "connected"}
        log.append("exit")

    app = App(lifespan=lifespan)

    @app.middleware("http")
    async def timing(request: Request, call_next: Any) -> Any:
        log.append(f"before {request.path}")
        response = await call_next(request)
        response.set_header("x-seen-by", "timing")
        return response

    @app.exception_handler(OutOfStock)
    async def out_of_stock(request: Request, exc: OutOfStock) -> JSONResponse:
        return JSONResponse({"sold out": exc.item}, status_code=409)

    @app.exception_handler(404)
    def not_found(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"missing": request.path}, status_code=404)

    @app.get("/state")
    async def state(request: Request) -> dict[str, Any]:
        return request.state

    @app.get("/buy/{item}")
    async def buy(item: str) -> str:
        if item == "gold":
            raise OutOfStock(item)
        if item == "ghost":
            raise HTTPException(404)
        return f"bought {item}"

    @app.get("/big")
    async def big() -> str:
        return "x" * 5000

    return app


def test_framework_middleware_wraps_every_request(serve_app) -> None:  # type: ignore[no-untyped-def]
    log: list[str] = []
    with serve_app(build_app(log)) as url:
        response = httpx.get(url + "/buy/milk")
    assert response.json() == "bought milk"
    assert response.headers["x-seen-by"] == "timing"
    assert "before /buy/milk" in log


def test_exception_handlers_by_class_and_by_status(serve_app) -> None:  # type: ignore[no-untyped-def]
    with serve_app(build_app([])) as url, httpx.Client(base_url=url) as client:
        sold_out = client.get("/buy/gold")
        assert (sold_out.status_code, sold_out.json()) == (409, {"sold out": "gold"})
        ghost = client.get("/buy/ghost")
        assert (ghost.status_code, ghost.json()) == (404, {"missing": "/buy/ghost"})


def test_lifespan_context_manager_and_state(serve_app) -> None:  # type: ignore[no-untyped-def]
    log: list[str] = []
    with serve_app(build_app(log)) as url:
        assert httpx.get(url + "/state").json() == {"db": "connected"}
        assert log[0] == "enter"
    assert log[-1] == "exit"


def test_starlette_asgi_middleware_wraps_the_app(serve_app) -> None:  # type: ignore[no-untyped-def]
    app = build_app([])
    app.add_middleware(GZipMiddleware, minimum_size=100)
    app.add_middleware(CORSMiddleware, allow_origins=["https://example.com"])
    assert app.__squall_native__() is None  # ASGI middleware means the ASGI path
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        zipped = client.get("/big", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.json() == "x" * 5000
        plain = client.get("/big", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        preflight = client.options(
            "/buy/milk",
            headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.headers["access-control-allow-origin"] == "https://example.com"
