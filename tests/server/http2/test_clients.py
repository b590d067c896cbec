"""HTTP/2 with real clients: curl (h2c with prior knowledge, and TLS with ALPN), httpx with
``http2=True``, h2load; raw ASGI, Starlette and Squall framework apps.

Every server is started by the test on a free port; the certificates are trustme's (the
fixture of tests/server/test_tls.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import ssl
import subprocess
from typing import Any

import httpx
import pytest

from tests.server.http2 import require_h2

require_h2()

from squall import App  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.serving import serve  # noqa: E402
from tests.server.test_tls import Certificates, require, tls_options  # noqa: E402

BIG = bytes(range(256)) * 4096  # 1 MiB: past every default window


def curl(*args: str) -> str:
    result = subprocess.run(
        [require("curl"), "-sS", "--max-time", "10", *args], capture_output=True, check=True
    )
    return result.stdout.decode()


def test_curl_h2c_with_prior_knowledge() -> None:
    with serve(make_app(Seen())) as running:
        out = curl("--http2-prior-knowledge", "-w", " %{http_version}", f"{running.url}/a?b=1")
        assert out == "GET /a b=1 2 2"


def test_curl_over_tls_negotiates_h2_and_http11_still_works(certs: Certificates) -> None:
    with serve(make_app(Seen()), **tls_options(certs)) as running:
        url = f"https://localhost:{running.port}/x"
        tls = ("--cacert", str(certs.ca))
        assert curl("--http2", *tls, "-w", " %{http_version}", url) == "GET /x  2 2"
        assert curl("--http1.1", *tls, "-w", " %{http_version}", url) == "GET /x  1.1 1.1"


def test_http2_only_over_tls_offers_no_http11(certs: Certificates) -> None:
    with serve(make_app(Seen()), http="h2", **tls_options(certs)) as running:
        url = f"https://localhost:{running.port}/"
        out = curl("--http2", "--cacert", str(certs.ca), "-w", " %{http_version}", url)
        assert out.endswith(" 2")


def test_httpx_h2c_get_post_stream_and_big_bodies() -> None:
    with serve(make_app(Seen())) as running, httpx.Client(http1=False, http2=True) as client:
        response = client.get(f"{running.url}/")
        assert response.http_version == "HTTP/2"
        assert response.text == "GET /  2"
        echoed = client.post(f"{running.url}/echo", content=BIG)
        assert echoed.text == f"{len(BIG)} {hashlib.sha256(BIG).hexdigest()}"
        assert client.get(f"{running.url}/stream").text == "part0;part1;part2;part3;part4;end"
        assert client.get(f"{running.url}/big?size=3000000").content == b"x" * 3_000_000


def test_httpx_over_tls_with_many_concurrent_streams(certs: Certificates) -> None:
    seen = Seen()

    async def fetch_all(port: int) -> list[httpx.Response]:
        trusted = ssl.create_default_context(cafile=str(certs.ca))
        async with httpx.AsyncClient(http2=True, verify=trusted) as client:
            urls = [f"https://localhost:{port}/echo" for _ in range(50)]
            return await asyncio.gather(*(client.post(u, content=b"y" * 70000) for u in urls))

    with serve(make_app(seen), **tls_options(certs)) as running:
        responses = asyncio.run(fetch_all(running.port))
    assert {r.http_version for r in responses} == {"HTTP/2"}
    assert {r.text.split()[0] for r in responses} == {"70000"}
    assert len({scope["client"] for scope in seen.scopes}) == 1  # one connection


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def items(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse({"got": body, "version": request.scope["http_version"]})

    return Starlette(routes=[Route("/items", items, methods=["POST"])])


def squall_app() -> App:
    app = App()

    @app.post("/items")
    async def items(payload: dict[str, int]) -> dict[str, Any]:
        return {"got": payload, "version": "2"}

    return app


@pytest.mark.parametrize("make", [starlette_app, squall_app], ids=["starlette", "squall"])
def test_framework_apps_over_h2c(make: Any) -> None:
    app = make()
    with serve(app) as running, httpx.Client(http1=False, http2=True) as client:
        response = client.post(f"{running.url}/items", json={"a": 1})
        assert response.http_version == "HTTP/2"
        assert response.json() == {"got": {"a": 1}, "version": "2"}
        if make is squall_app:
            assert running.server.state is not None and running.server.state.native is not None


def h2load(*args: str) -> str:
    result = subprocess.run(
        [require("h2load"), "-n", "1000", "-c", "4", "-m", "10", *args],
        capture_output=True,
        timeout=60,
    )
    return result.stdout.decode()


def test_h2load_h2c_and_tls_every_request_2xx(certs: Certificates) -> None:
    with serve(make_app(Seen())) as running:
        out = h2load(f"{running.url}/")
        assert re.search(r"requests: 1000 total, 1000 started, 1000 done, 1000 succeeded", out), out
        assert "status codes: 1000 2xx" in out, out
    with serve(make_app(Seen()), **tls_options(certs)) as running:
        out = h2load(f"https://localhost:{running.port}/")
        assert "status codes: 1000 2xx" in out, out
        assert "Application protocol: h2" in out, out
