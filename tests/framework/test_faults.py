"""Framework endpoints that raise, stream into an error, never answer or answer too late, on
Squall's native path and under ASGI (any ASGI middleware): what the client sees on a real
socket, exactly one log line per app bug, and the worker serving on."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from squall import App, Request
from squall.background import BackgroundTask
from squall.responses import PlainTextResponse, StreamingResponse
from tests.framework.test_client_disconnects import PassThrough
from tests.server.serving import (
    Running,
    captured_errors,
    connect,
    exchange,
    read_response,
    serve,
    server_state,
    shut_down_with_one_in_the_app,
    wait_until,
)


class Probe:
    """What the endpoints saw, and a gate the late endpoint waits on."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.gate = threading.Event()


def build_app(probe: Probe) -> App:
    app = App()

    @app.get("/ok")
    async def ok() -> str:
        return "ok"

    @app.get("/raise")
    async def raising() -> str:
        raise ValueError("endpoint bug")

    @app.get("/stream-raise")
    async def stream_raise() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            yield b"partial"
            raise ValueError("bug in a streamed body")

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/background-raise")
    async def background_raise() -> PlainTextResponse:
        def fail() -> None:
            raise ValueError("background bug")

        return PlainTextResponse("sent", background=BackgroundTask(fail))

    @app.get("/late")
    async def late(request: Request) -> str:
        probe.entered.append("/late")
        while not probe.gate.is_set():  # until the test says the client has gone
            await asyncio.sleep(0.005)
        return "too late"

    @app.get("/hang")
    async def hang() -> str:
        probe.entered.append("/hang")
        await asyncio.Event().wait()
        return "never"

    return app


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture(params=["native", "asgi"])
def running(request: pytest.FixtureRequest, probe: Probe) -> Iterator[Running]:
    app = build_app(probe)
    if request.param == "asgi":
        app.add_middleware(PassThrough)  # the app then runs under ASGI
    with serve(app, timeout_graceful_shutdown=0.5) as running:
        yield running


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode()


def test_an_endpoint_that_raises_is_a_500_logged_once(running: Running) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get("/raise"))
        assert read_response(sock).status == 500
        sock.sendall(get("/ok"))
        assert read_response(sock).status == 200  # the same connection serves on
    assert len(logs.records) == 1, logs.messages()
    assert "GET /raise" in logs.records[0].getMessage()
    assert "endpoint bug" in logs.tracebacks()


def test_a_streamed_body_that_raises_is_cut_short_and_logged_once(running: Running) -> None:
    with captured_errors() as logs:
        raw = exchange(running, get("/stream-raise"))
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert rest == b"7\r\npartial\r\n"  # the chunked body never ends: the client can tell
    assert len(logs.records) == 1, logs.messages()
    assert "GET /stream-raise" in logs.records[0].getMessage()
    assert "bug in a streamed body" in logs.tracebacks()
    with connect(running) as sock:
        sock.sendall(get("/ok"))
        assert read_response(sock).status == 200


def test_a_background_task_that_raises_leaves_the_response_whole(running: Running) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get("/background-raise"))
        assert read_response(sock).body == b"sent"
        wait_until(lambda: logs.records, "the background task's failure")
        sock.sendall(get("/ok"))
        assert read_response(sock).status == 200
    assert len(logs.records) == 1, logs.messages()
    assert "background bug" in logs.tracebacks()


def test_an_answer_after_the_client_left_is_dropped_quietly(running: Running, probe: Probe) -> None:
    with captured_errors(logging.DEBUG) as logs:
        with connect(running) as sock:
            sock.sendall(get("/late"))
            wait_until(lambda: probe.entered == ["/late"], "the request in the endpoint")
        wait_until(lambda: not server_state(running).connections, "the server to see it go")
        probe.gate.set()
        wait_until(lambda: server_state(running).active_requests == 0, "the endpoint to end")
        with connect(running) as sock:
            sock.sendall(get("/ok"))
            assert read_response(sock).status == 200
    assert [r.getMessage() for r in logs.records if r.levelno > logging.DEBUG] == []


def test_shutdown_cancels_an_endpoint_that_never_answers_naming_it(
    running: Running, probe: Probe
) -> None:
    lines = shut_down_with_one_in_the_app(running, get("/hang"), lambda: probe.entered == ["/hang"])
    assert [line for line in lines if "/hang" in line] == [
        "graceful shutdown timed out: cancelled GET /hang"
    ], lines
