"""A real browser's CORS check: headless Chromium loads a page from one origin whose script
calls an API on another (another port) with credentials: a cookie set by the API, a custom
request header and a PUT (so a preflight first), and reads an exposed response header.  An
API that does not allow the page's origin must be blocked by the browser.  The API runs on
Squall's server (native path) and under uvicorn (plain ASGI)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest

from squall import App, Cookie, Header, HTMLResponse, JSONResponse
from squall.middleware import CORSMiddleware
from tests.chromium import DevTools, chromium
from tests.framework.static_tree import SERVERS, serving
from tests.server.serving import serve

PAGE = """<!doctype html>
<title>cors</title>
<script>
const api = new URLSearchParams(location.search).get("api");
const refusing = new URLSearchParams(location.search).get("refusing");
window.result = (async () => {
  const login = await fetch(`${api}/login`, {credentials: "include"});
  const put = await fetch(`${api}/items/7`, {
    method: "PUT",
    credentials: "include",
    headers: {"X-Token": "secret", "Content-Type": "application/json"},
    body: JSON.stringify({name: "seven"}),
  });
  let blocked = "no";
  try {
    await fetch(`${refusing}/login`, {credentials: "include"});
  } catch (error) {
    blocked = error.name;
  }
  return {
    login: login.status,
    status: put.status,
    body: await put.json(),
    total: put.headers.get("X-Total"),
    hidden: put.headers.get("X-Hidden"),
    blocked,
  };
})();
</script>
"""


def api_app(page_origin: str) -> App:
    app = App()

    @app.get("/login")
    async def login() -> JSONResponse:
        response = JSONResponse({"logged_in": True})
        response.set_cookie("session", "abc", samesite="lax")
        return response

    @app.put("/items/{item_id:int}")
    async def put_item(
        item_id: int,
        token: Annotated[str, Header(alias="x-token")],
        session: Annotated[str | None, Cookie()] = None,
    ) -> JSONResponse:
        seen = {"item_id": item_id, "token": token, "session": session}
        return JSONResponse(seen, headers={"x-total": "1", "x-hidden": "h"})

    app.add_middleware(
        CORSMiddleware,
        allow_origins=[page_origin],
        allow_credentials=True,
        allow_methods=["GET", "PUT"],
        allow_headers=["X-Token"],
        expose_headers=["X-Total"],
    )
    return app


def page_app() -> App:
    app = App()

    @app.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE)

    return app


@pytest.fixture(scope="module")
def browser() -> Iterator[tuple[DevTools, str]]:
    """Chromium, and the URL of the page's server (one origin), for the whole module."""
    with serve(page_app()) as page, chromium() as devtools:
        yield devtools, page.url


@pytest.mark.parametrize("server", SERVERS)
def test_chromium_accepts_the_preflight_and_the_credentialed_answer(
    browser: tuple[DevTools, str], server: str
) -> None:
    devtools, page = browser
    with (
        serving(server)(api_app(page)) as api,
        serving(server)(api_app("http://elsewhere.example")) as refusing,
    ):
        result = devtools.run_page(f"{page}/?api={api}&refusing={refusing}")
    assert (result["login"], result["status"]) == (200, 200)
    assert result["body"] == {"item_id": 7, "token": "secret", "session": "abc"}
    assert (result["total"], result["hidden"]) == ("1", None)  # only exposed headers are read
    assert result["blocked"] == "TypeError"  # the browser refused the other API's answer
