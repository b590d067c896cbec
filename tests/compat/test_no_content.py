"""A route declared with a status that has no content (``status_code=204``, FastAPI's
DELETE tutorial; 304, 1xx) sends none, whatever the endpoint returns: ``None`` went out as
``null`` with ``content-length: 4``, which uvicorn refused mid-response (the connection
closed, the keep-alive request after it lost)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import fastapi
import httpx
import pytest
from fastapi.testclient import TestClient as FastClient

from squall import App
from squall.testing import TestClient
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.server.serving import captured_errors


def routes(app: Any) -> None:
    @app.delete("/items/{name}", status_code=204)
    def delete(name: str) -> None:
        return None

    @app.get("/after")
    def after() -> dict[str, str]:
        return {"still": "served"}


def answers(client: Any) -> list[tuple[int, bytes, str | None]]:
    """Three requests, on one kept-alive connection when ``client`` is a real one."""
    sent = [("DELETE", "/items/a"), ("GET", "/after")]
    responses = [client.request(method, path) for method, path in sent]
    return [(r.status_code, r.content, "content-length" in r.headers) for r in responses[:1]] + [
        (r.status_code, r.content, True) for r in responses[1:]
    ]


EXPECTED = [(204, b"", False), (200, b'{"still":"served"}', True)]


def test_fastapi_sends_no_content() -> None:
    app = fastapi.FastAPI()
    routes(app)
    with FastClient(app) as client:
        assert answers(client) == EXPECTED


@pytest.mark.parametrize(
    "serve", [serve_with_squall, serve_with_uvicorn], ids=["squall", "uvicorn"]
)
def test_no_content_statuses_send_none(serve: Callable[[Any], Any]) -> None:
    app = App()
    routes(app)

    @app.get("/cached", status_code=304)  # FastAPI refuses to declare this one
    def cached() -> dict[str, str]:
        return {"ignored": "yes"}

    with TestClient(app) as client:
        assert client.get("/cached").content == b""
        assert answers(client) == EXPECTED
    with captured_errors() as errors, serve(app) as url, httpx.Client(base_url=url) as client:
        assert answers(client) == EXPECTED
    assert not errors.records
