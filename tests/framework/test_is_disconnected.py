"""``request.is_disconnected()`` through ASGI (the framework under uvicorn, the TestClient)
and on Squall's server: a streaming endpoint that polls it stops when the client goes, and
a body part it finds on the way is not lost."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from squall import App, Request
from squall.responses import StreamingResponse
from squall.testing import TestClient
from tests.framework.conftest import serve_with_uvicorn
from tests.server.serving import serve, wait_until


def polling_app() -> tuple[App, threading.Event]:
    app = App()
    noticed = threading.Event()

    @app.get("/ticks")
    async def ticks(request: Request) -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            for count in range(2000):  # ~100 s at most
                if await request.is_disconnected():
                    noticed.set()
                    return
                yield b"tick %d\n" % count
                await asyncio.sleep(0.05)

        return StreamingResponse(parts(), media_type="text/plain")

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        gone = await request.is_disconnected()  # the body may be the ready message
        return {"gone": gone, "body": (await request.body()).decode()}

    @app.post("/stream-echo")
    async def stream_echo(request: Request) -> dict[str, Any]:
        gone = await request.is_disconnected()
        parts = [part async for part in request.stream()]
        return {"gone": gone, "body": b"".join(parts).decode()}

    return app, noticed


@contextmanager
def on_squall(app: App) -> Iterator[str]:
    with serve(app) as running:
        yield running.url


Server = Callable[[App], AbstractContextManager[str]]
SERVERS: dict[str, Server] = {"uvicorn": serve_with_uvicorn, "squall": on_squall}


@pytest.mark.parametrize("server", SERVERS)
def test_a_stream_polling_it_stops_when_the_client_goes(server: str) -> None:
    app, noticed = polling_app()
    with SERVERS[server](app) as url:
        address = urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(b"GET /ticks HTTP/1.1\r\nhost: x\r\n\r\n")
            seen = b""
            while b"tick 1\n" not in seen:
                seen += sock.recv(4096)
        wait_until(noticed.is_set, "the endpoint noticing the client left", limit=10)


@pytest.mark.parametrize("server", SERVERS)
def test_a_connected_client_is_not_gone_and_its_body_is_kept(server: str) -> None:
    app, _ = polling_app()
    with SERVERS[server](app) as url, httpx.Client(base_url=url, timeout=10) as client:
        for path in ("/echo", "/stream-echo"):
            answer = client.post(path, content=b"x" * 70_000)
            assert answer.json() == {"gone": False, "body": "x" * 70_000}


def test_the_test_client_is_not_gone_and_the_body_is_kept() -> None:
    app, _ = polling_app()
    with TestClient(app) as client:
        for path in ("/echo", "/stream-echo"):
            answer = client.post(path, content=b"hello")
            assert answer.json() == {"gone": False, "body": "hello"}
