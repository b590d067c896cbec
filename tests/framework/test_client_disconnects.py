"""A client that goes away mid-body: no error log, no traceback, and the server serves on.

The framework's endpoints see the disconnect as ``squall.requests.ClientDisconnect`` (the
name Starlette users catch); left unhandled it is logged at debug level only, on the native
path and under ASGI alike.
"""

import asyncio
import logging
import socket
import struct
import threading
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from squall import App, Request
from squall.requests import ClientDisconnect
from squall.responses import StreamingResponse
from tests.server.serving import (
    captured_errors,
    connect,
    exchange,
    open_connections,
    read_until_closed,
    serve,
    wait_until,
)

WHOLE_REQUEST = (
    b"POST /items HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
    b'content-length: 13\r\nconnection: close\r\n\r\n{"name": "a"}'
)


class Item(msgspec.Struct):
    name: str


def build_app(caught: list[str]) -> App:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    @app.post("/raw")
    async def raw(request: Request) -> int:
        return len(await request.body())

    @app.post("/stream")
    async def stream(request: Request) -> int:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return size

    @app.post("/caught")
    async def catching(request: Request) -> str:
        try:
            await request.body()
        except ClientDisconnect:
            caught.append("client gone")
            raise
        return "whole"

    return app


class PassThrough:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def half_close_mid_body(running: object, path: str) -> bytes:
    sock = connect(running)  # type: ignore[arg-type]
    head = f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
    sock.sendall(head.encode() + b"content-length: 100\r\n\r\n" + b'{"name": "ab')
    sock.shutdown(socket.SHUT_WR)
    return read_until_closed(sock)


@pytest.mark.parametrize("asgi", [False, True], ids=["native", "asgi"])
@pytest.mark.parametrize("path", ["/items", "/raw", "/stream", "/caught"])
def test_a_client_gone_mid_body_logs_no_error_and_the_server_serves_on(
    path: str, asgi: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caught: list[str] = []
    app = build_app(caught)
    if asgi:
        app.add_middleware(PassThrough)  # any ASGI middleware: the app then runs under ASGI
    with (
        caplog.at_level(logging.DEBUG, logger="squall"),
        captured_errors() as errors,
        serve(app) as running,
    ):
        answer = half_close_mid_body(running, path)
        again = exchange(running, WHOLE_REQUEST)
    assert not answer.startswith(b"HTTP/1.1 500"), answer
    assert again.startswith(b"HTTP/1.1 200"), again
    assert errors.records == [], errors.messages() + errors.tracebacks()
    assert any(
        "disconnected" in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG
    )
    if path == "/caught":
        assert caught == ["client gone"]


def endless_stream_app() -> App:
    app = App()

    @app.get("/endless")
    async def endless() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            while True:  # until the client's departure stops the response
                yield b"x" * 65536

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.get("/ping")
    async def ping() -> str:
        return "pong"

    return app


@pytest.mark.parametrize("asgi", [False, True], ids=["native", "asgi"])
def test_a_client_gone_mid_response_logs_no_error_and_the_server_serves_on(asgi: bool) -> None:
    app = endless_stream_app()
    if asgi:
        app.add_middleware(PassThrough)
    with captured_errors() as errors, serve(app) as running:
        sock = connect(running)
        sock.sendall(b"GET /endless HTTP/1.1\r\nhost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        received = 0
        while received < 4 * 1024 * 1024:  # reading as fast as the server writes: it never
            received += len(sock.recv(1 << 20))  # pauses, so the reset meets a live write
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset, mid-response
        again = exchange(running, b"GET /ping HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        wait_until(lambda: running.server.state.active_requests == 0, "the stream to stop")
    assert again.startswith(b"HTTP/1.1 200"), again
    assert errors.records == [], errors.messages() + errors.tracebacks()


def busy_between_reads_app(first_read: threading.Event, gone: threading.Event) -> App:
    app = App()

    @app.post("/busy")
    async def busy(request: Request) -> int:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if not first_read.is_set():
                first_read.set()
                while not gone.is_set():  # busy elsewhere (writing to disk...) meanwhile
                    await asyncio.sleep(0.005)
        return size

    return app


@pytest.mark.parametrize("asgi", [False, True], ids=["native", "asgi"])
def test_a_client_gone_while_the_app_is_busy_between_reads_ends_the_stream(asgi: bool) -> None:
    """The departure comes while the app is not waiting for the body; its next read must
    raise ClientDisconnect (it waited forever on the native path: an upload's temporary file
    stayed open and shutdown hung)."""
    first_read, gone = threading.Event(), threading.Event()
    app = busy_between_reads_app(first_read, gone)
    if asgi:
        app.add_middleware(PassThrough)
    with captured_errors() as errors, serve(app) as running:
        sock = connect(running)
        head = b"POST /busy HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n"
        sock.sendall(head + b"x" * 1000)
        wait_until(first_read.is_set, "the app's first read")
        sock.close()
        wait_until(lambda: open_connections(running) == 0, "the server to see the close")
        gone.set()
        wait_until(lambda: running.server.state.active_requests == 0, "the request to end")
    assert errors.records == [], errors.messages() + errors.tracebacks()
