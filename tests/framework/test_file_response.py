"""FileResponse returned from endpoints (Squall's native path and uvicorn) and called as a
plain ASGI app: headers, download names, HEAD, ranges and 304 through the framework."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from squall import App
from squall.responses import FileResponse
from tests.framework.static_tree import BIG, HELLO, SERVERS, curl, serving
from tests.server.serving import captured_errors

Serve = Callable[[Any], Any]


@pytest.fixture(scope="module", params=SERVERS)
def base(request: pytest.FixtureRequest, static_dir: Path) -> Iterator[str]:
    app = App()

    @app.get("/hello")
    async def hello() -> FileResponse:
        return FileResponse(static_dir / "hello.txt")

    @app.get("/download")
    async def download() -> FileResponse:
        return FileResponse(static_dir / "big.bin", filename="data.bin")

    @app.get("/named")
    async def named() -> FileResponse:
        return FileResponse(str(static_dir / "hello.txt"), filename="résumé.txt")

    @app.get("/typed")
    def typed() -> FileResponse:  # a def endpoint, run in the thread pool
        path = static_dir / "hello.txt"
        return FileResponse(
            path,
            media_type="application/x-custom",
            headers={"x-extra": "1"},
            content_disposition_type="inline",
            filename="hello.txt",
            stat_result=os.stat(path),
        )

    @app.get("/missing")
    async def missing() -> FileResponse:
        return FileResponse(static_dir / "nowhere.txt")

    with serving(request.param)(app) as url:
        yield url


def test_an_endpoint_returns_a_file(base: str) -> None:
    response = httpx.get(f"{base}/hello")
    assert response.status_code == 200
    assert response.content == HELLO
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == str(len(HELLO))
    assert "etag" in response.headers and "last-modified" in response.headers


def test_a_download_name(base: str) -> None:
    response = httpx.get(f"{base}/download")
    assert response.content == BIG
    assert response.headers["content-disposition"] == 'attachment; filename="data.bin"'
    assert response.headers["content-type"] == "application/octet-stream"
    named = httpx.get(f"{base}/named")
    assert (
        named.headers["content-disposition"] == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt"
    )


def test_media_type_headers_and_disposition_type(base: str) -> None:
    response = httpx.get(f"{base}/typed")
    assert response.headers["content-type"] == "application/x-custom"
    assert response.headers["x-extra"] == "1"
    assert response.headers["content-disposition"] == 'inline; filename="hello.txt"'
    assert response.content == HELLO


def test_head_range_and_304_through_the_framework(base: str) -> None:
    head = curl(f"{base}/download", head=True)
    assert (head.status, head.body) == (200, b"")
    assert head.headers["content-length"] == str(len(BIG))
    ranged = curl(f"{base}/download", "-r", "10-19")
    assert (ranged.status, ranged.body) == (206, BIG[10:20])
    etag = httpx.get(f"{base}/hello").headers["etag"]
    assert curl(f"{base}/hello", "-H", f"if-none-match: {etag}").status == 304


def test_a_missing_file_is_a_500(base: str) -> None:
    with captured_errors() as errors:
        assert httpx.get(f"{base}/missing").status_code == 500
    assert "does not exist" in errors.tracebacks() or not errors.records  # uvicorn logs its own


def test_file_response_as_an_asgi_app(serve_app: Serve, static_dir: Path) -> None:
    response_app = FileResponse(static_dir / "hello.txt", filename="x.txt")

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await response_app(scope, receive, send)

    with serve_app(app) as url:
        response = httpx.get(url)
        assert response.content == HELLO
        assert response.headers["content-disposition"] == 'attachment; filename="x.txt"'
        assert curl(url, "-r", "0-4").body == HELLO[:5]


def test_in_process_with_the_test_client(static_dir: Path) -> None:
    from squall.staticfiles import StaticFiles
    from squall.testing import TestClient

    app = App()
    app.mount("/files", StaticFiles(directory=static_dir))

    @app.get("/hello")
    async def hello() -> FileResponse:
        return FileResponse(static_dir / "hello.txt")

    with TestClient(app) as client:
        assert client.get("/hello").content == HELLO
        assert client.get("/hello", headers={"range": "bytes=1-3"}).content == HELLO[1:4]
        assert client.get("/files/big.bin").content == BIG
        assert client.head("/files/hello.txt").headers["content-length"] == str(len(HELLO))
