"""WebSocket apps that raise, send invalid messages or never close, as raw ASGI apps and as
framework routes on the native path: what the client sees, the one log line, and a next
socket that works (the worker serves on)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from squall import App, WebSocket
from tests.server.serving import (
    LogRecords,
    Running,
    captured_errors,
    connect,
    read_until_closed,
    serve,
    server_state,
    wait_until,
)
from tests.server.websocket.raw import (
    CLOSE,
    TEXT,
    close_code,
    frame,
    handshake_request,
    open_raw,
    read_frame,
)

ACCEPT = {"type": "websocket.accept"}
INVALID_ON_OPEN: dict[str, dict[str, Any]] = {
    "both-text-and-bytes": {"type": "websocket.send", "text": "a", "bytes": b"a"},
    "neither-text-nor-bytes": {"type": "websocket.send"},
    "text-not-str": {"type": "websocket.send", "text": b"a"},
    "unknown-type": {"type": "websocket.bogus"},
}
entered: list[str] = []


async def faulty(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A raw ASGI WebSocket app: the path names its fault."""
    if scope["type"] != "websocket":
        return
    fault = scope["path"].strip("/")
    entered.append(fault)
    await receive()  # websocket.connect
    if fault == "raise-before-accept":
        raise ValueError("app bug before accept")
    if fault == "send-before-accept":
        await send({"type": "websocket.send", "text": "too early"})
    await send(ACCEPT)
    if fault == "ok":
        await send({"type": "websocket.send", "text": "ok"})
        await receive()
    elif fault == "raise-after-accept":
        raise ValueError("app bug after accept")
    elif fault in INVALID_ON_OPEN:
        await send(INVALID_ON_OPEN[fault])
    elif fault == "send-after-close":
        await send({"type": "websocket.close", "code": 1000})
        await send({"type": "websocket.send", "text": "after the close"})
    elif fault == "never-close":
        await asyncio.Event().wait()


def framework_app() -> App:
    app = App()

    @app.websocket("/ok")
    async def ok(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("ok")
        await websocket.receive_text()

    @app.websocket("/raise-before-accept")
    async def before(websocket: WebSocket) -> None:
        raise ValueError("app bug before accept")

    @app.websocket("/raise-after-accept")
    async def after(websocket: WebSocket) -> None:
        await websocket.accept()
        raise ValueError("app bug after accept")

    @app.websocket("/return-without-close")
    async def returns(websocket: WebSocket) -> None:
        await websocket.accept()

    @app.websocket("/never-close")
    async def never(websocket: WebSocket) -> None:
        await websocket.accept()
        await asyncio.Event().wait()

    return app


@pytest.fixture(params=["asgi", "native"])
def running(request: pytest.FixtureRequest) -> Iterator[Running]:
    entered.clear()
    app = faulty if request.param == "asgi" else framework_app()
    with serve(app, lifespan="off", timeout_graceful_shutdown=0.5) as running:
        yield running


@pytest.fixture
def asgi_running() -> Iterator[Running]:
    entered.clear()
    with serve(faulty, lifespan="off", timeout_graceful_shutdown=0.5) as running:
        yield running


def assert_serves_on(running: Running) -> None:
    with open_raw(running, "/ok") as sock:
        assert read_frame(sock) == (TEXT, b"ok")
        sock.sendall(frame(TEXT, b"bye"))


def refused(running: Running, path: str) -> bytes:
    with connect(running) as sock:
        sock.sendall(handshake_request(path))
        return read_until_closed(sock)


def closed_with(running: Running, path: str) -> int:
    """The close code the server sends on the socket at ``path`` (it closes first)."""
    with open_raw(running, path) as sock:
        opcode, payload = read_frame(sock)
        assert opcode == CLOSE
        sock.sendall(frame(CLOSE, payload[:2]))
        return close_code(payload)


def one_error(logs: LogRecords, fragment: str, traceback: bool) -> None:
    assert len(logs.records) == 1, logs.messages()
    record = logs.records[0]
    assert fragment in record.getMessage(), record.getMessage()
    assert (record.exc_info is not None) == traceback


def test_an_exception_before_accept_refuses_the_handshake(running: Running) -> None:
    with captured_errors() as logs:
        raw = refused(running, "/raise-before-accept")
    assert raw.startswith(b"HTTP/1.1 ") and b" 101 " not in raw.split(b"\r\n")[0]
    assert b"app bug" not in raw  # no details leak
    one_error(logs, "/raise-before-accept", traceback=True)
    assert "app bug before accept" in logs.tracebacks()
    assert_serves_on(running)


def test_an_exception_after_accept_closes_with_1011(running: Running) -> None:
    with captured_errors() as logs:
        assert closed_with(running, "/raise-after-accept") == 1011
    one_error(logs, "/raise-after-accept", traceback=True)
    assert "app bug after accept" in logs.tracebacks()
    assert_serves_on(running)


def test_a_socket_the_app_never_closes_stays_open_until_the_client_closes_it(
    running: Running,
) -> None:
    with captured_errors(logging.DEBUG) as logs, open_raw(running, "/never-close") as sock:
        sock.sendall(frame(CLOSE, b"\x03\xe8"))
        opcode, payload = read_frame(sock)  # the server answers the client's close
        assert (opcode, close_code(payload)) == (CLOSE, 1000)
        assert read_until_closed(sock) == b""
    assert [r for r in logs.records if r.levelno > logging.DEBUG] == []
    assert_serves_on(running)


def test_shutdown_closes_a_socket_the_app_never_closes_with_1012_then_cancels_the_app(
    running: Running,
) -> None:
    with captured_errors(logging.WARNING) as logs, open_raw(running, "/never-close") as sock:
        wait_until(lambda: server_state(running).active_requests == 1, "the app to run")
        running.server.should_exit = True  # timeout_graceful_shutdown=0.5
        opcode, payload = read_frame(sock)
        assert (opcode, close_code(payload)) == (CLOSE, 1012)
        sock.sendall(frame(CLOSE, payload[:2]))
        wait_until(lambda: not running.server.started, "the server to stop")
    lines = [r.getMessage() for r in logs.records]
    assert [line for line in lines if "/never-close" in line] == [
        "graceful shutdown timed out: cancelled WebSocket /never-close"
    ], lines


def test_returning_without_closing_closes_with_1000(running: Running) -> None:
    with captured_errors() as logs:
        assert closed_with(running, "/return-without-close") == 1000  # faulty: no branch
        assert_serves_on(running)
    assert not logs.records


def test_a_send_before_accept_refuses_the_handshake_naming_the_mistake(
    asgi_running: Running,
) -> None:
    with captured_errors() as logs:
        raw = refused(asgi_running, "/send-before-accept")
    assert raw.startswith(b"HTTP/1.1 403 ")
    one_error(logs, "'websocket.send' before websocket.accept", traceback=False)
    assert_serves_on(asgi_running)


@pytest.mark.parametrize("fault", sorted(INVALID_ON_OPEN))
def test_an_invalid_message_on_an_open_socket_closes_it_with_1011(
    asgi_running: Running, fault: str
) -> None:
    with captured_errors() as logs:
        assert closed_with(asgi_running, f"/{fault}") == 1011
    message = logs.records[0].getMessage() if logs.records else ""
    assert message.startswith(f"invalid ASGI message from the app (WebSocket /{fault}): ")
    one_error(logs, "websocket", traceback=False)
    assert_serves_on(asgi_running)


def test_a_send_after_the_apps_own_close_raises_quietly(asgi_running: Running) -> None:
    with captured_errors(logging.DEBUG) as logs:
        assert closed_with(asgi_running, "/send-after-close") == 1000
        wait_until(lambda: server_state(asgi_running).active_requests == 0, "the app to end")
    assert [r for r in logs.records if r.levelno > logging.DEBUG] == []
    assert_serves_on(asgi_running)
