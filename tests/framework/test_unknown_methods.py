"""RFC 9110 9.1 and 15.5.6: a wrong method on a known path is 405 with Allow; a method the app
knows nowhere is 501 (Not Implemented).  FastAPI and Starlette answer 405 for both: the
difference is listed in docs/conformance.md.  Both ways an App runs (native and ASGI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from squall import App, HTTPException, Request
from squall.responses import JSONResponse
from squall.routing import Matcher
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn


def build_app() -> App:
    app = App()

    @app.get("/items")
    async def list_items() -> list[str]:
        return ["a"]

    @app.api_route("/dav", methods=["PROPFIND"])
    async def propfind() -> dict[str, str]:
        return {"dav": "listing"}

    return app


@pytest.fixture(scope="module", params=["squall-native", "uvicorn-asgi"])
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    serve = serve_with_squall if request.param == "squall-native" else serve_with_uvicorn
    with serve(build_app()) as running:
        yield running


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "TRACE", "PROPFIND"])
def test_a_known_method_on_a_path_without_it_is_405_with_allow(url: str, method: str) -> None:
    # PROPFIND is known: a route takes it, on another path.
    response = httpx.request(method, url + "/items")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/items", "/dav", "/nowhere"])
@pytest.mark.parametrize("method", ["PURGE", "QUERY"])
def test_a_method_no_route_knows_is_501_on_any_path(url: str, method: str, path: str) -> None:
    response = httpx.request(method, url + path)
    assert response.status_code == 501
    assert response.json() == {"detail": "Not Implemented"}


def test_a_routed_extension_method_is_served(url: str) -> None:
    response = httpx.request("PROPFIND", url + "/dav")
    assert response.status_code == 200
    assert response.json() == {"dav": "listing"}


def test_the_501_goes_through_the_apps_handler_for_it(serve_app: Callable[[Any], Any]) -> None:
    app = build_app()

    @app.exception_handler(501)
    async def not_implemented(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"unknown": request.method}, status_code=501)

    with serve_app(app) as url:
        response = httpx.request("PURGE", url + "/items")
    assert (response.status_code, response.json()) == (501, {"unknown": "PURGE"})


def test_standard_methods_are_known_without_any_route() -> None:
    matcher: Matcher[str] = Matcher()
    assert all(matcher.implements(m) for m in ("GET", "POST", "OPTIONS", "CONNECT", "PATCH"))
    assert not matcher.implements("PURGE")
    matcher.add("/x", ["PURGE"], "target")
    assert matcher.implements("PURGE")
