"""Raw ASGI apps that raise, return early, never respond or outlive their client.

Each fault: what the client sees on a real socket, exactly the log lines expected, and then
a 200 on the same connection (when it may live on) or on a new one: the worker serves on.
Invalid ASGI messages have a file of their own (test_invalid_asgi_messages.py).
"""

from __future__ import annotations

import gc
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.server import fault_apps
from tests.server.serving import (
    LogRecords,
    Running,
    captured_errors,
    connect,
    exchange,
    read_response,
    read_until_closed,
    serve,
    server_state,
    shut_down_with_one_in_the_app,
    wait_until,
)


@pytest.fixture
def running() -> Iterator[Running]:
    fault_apps.heard.clear()
    fault_apps.entered.clear()
    with serve(fault_apps.faulty, timeout_graceful_shutdown=0.5) as running:
        yield running


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


def assert_serves_on(running: Running, sock: socket.socket | None = None) -> None:
    """A 200 on ``sock`` (the same connection), or on a new one."""
    if sock is None:
        with connect(running) as fresh:
            fresh.sendall(get("/ok"))
            assert read_response(fresh).body == b"ok"
        return
    sock.sendall(get("/ok"))
    assert read_response(sock).body == b"ok"


def only_record(logs: LogRecords) -> logging.LogRecord:
    assert len(logs.records) == 1, logs.messages()
    return logs.records[0]


def test_an_exception_before_the_response_is_a_500_on_a_connection_that_lives_on(
    running: Running,
) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get("/raise-before"))
        response = read_response(sock)
        assert (response.status, response.body) == (500, b"Internal Server Error\n")
        assert response.headers.get("connection") != "close"
        assert_serves_on(running, sock)
    record = only_record(logs)
    assert record.levelno == logging.ERROR
    assert "GET /raise-before" in record.getMessage()
    assert "app bug before the response" in logs.tracebacks()


@pytest.mark.parametrize("framing", ["chunked", "sized"])
def test_an_exception_after_the_response_started_cuts_the_body_short(
    running: Running, framing: str
) -> None:
    with captured_errors() as logs:
        raw = exchange(running, get(f"/raise-after-{framing}"))
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    if framing == "chunked":
        assert rest == b"7\r\npartial\r\n"  # no last chunk: the client sees a truncated body
    else:
        assert b"content-length: 100" in head and rest == b"partial"
    record = only_record(logs)
    assert f"GET /raise-after-{framing}" in record.getMessage()
    assert f"app bug in a {framing} body" in logs.tracebacks()
    assert_serves_on(running)


def test_a_body_shorter_than_its_content_length_closes_the_connection(
    running: Running,
) -> None:
    with captured_errors() as logs:
        raw = exchange(running, get("/shorter-than-content-length"))
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert b"content-length: 10" in head and rest == b"short"
    message = only_record(logs).getMessage()
    assert "shorter than its content-length" in message
    assert "GET /shorter-than-content-length" in message
    assert not logs.tracebacks()
    assert_serves_on(running)


def test_returning_without_a_response_is_a_500_on_a_connection_that_lives_on(
    running: Running,
) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get("/return-without-response"))
        assert read_response(sock).status == 500
        assert_serves_on(running, sock)
    message = only_record(logs).getMessage()
    assert "returned without completing the response" in message
    assert "GET /return-without-response" in message


def test_returning_in_the_middle_of_a_body_cuts_it_short(running: Running) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get("/return-after-start"))
        raw = read_until_closed(sock)
    assert raw.startswith(b"HTTP/1.1 200 ")
    assert raw.endswith(b"7\r\npartial\r\n")  # never the last chunk of a complete body
    message = only_record(logs).getMessage()
    assert "returned without completing the response" in message
    assert "GET /return-after-start" in message
    assert_serves_on(running)


def test_an_app_that_never_responds_keeps_the_client_waiting(running: Running) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get("/hang"))
        wait_until(lambda: fault_apps.entered == ["/hang"], "the request in the app")
        sock.setblocking(False)
        with pytest.raises(BlockingIOError):
            sock.recv(1)  # nothing: no response, no close
        assert_serves_on(running)  # other connections are served meanwhile
    assert not logs.records


@pytest.mark.parametrize("kept_alive", [False, True], ids=["first-request", "kept-alive"])
def test_a_hanging_app_survives_the_cycle_collector(running: Running, kept_alive: bool) -> None:
    """The app waits on a future nothing else references: its task must be held by the
    server (the loop holds tasks weakly), before and after its client leaves."""
    with captured_errors() as logs:
        with connect(running) as sock:
            if kept_alive:  # the connection's worker runs the next request
                assert_serves_on(running, sock)
            sock.sendall(get("/hang"))
            wait_until(lambda: fault_apps.entered[-1:] == ["/hang"], "the request in the app")
            gc.collect()
            assert_serves_on(running)
        wait_until(lambda: not server_state(running).connections, "the server to see it go")
        gc.collect()
        assert_serves_on(running)
        assert server_state(running).active_requests == 1  # still waiting, not destroyed
    assert not logs.records, logs.messages()


@pytest.mark.parametrize("fault", ["never-respond", "respond-after-disconnect"])
def test_an_app_outliving_its_client_hears_the_disconnect_and_logs_nothing(
    running: Running, fault: str
) -> None:
    with captured_errors(logging.DEBUG) as logs:
        with connect(running) as sock:
            sock.sendall(get(f"/{fault}"))
            wait_until(lambda: fault_apps.entered == [f"/{fault}"], "the request in the app")
        wait_until(lambda: fault_apps.heard == ["http.disconnect"], "the app to hear it")
        wait_until(lambda: server_state(running).active_requests == 0, "the app to end")
        assert_serves_on(running)
    assert [r for r in logs.records if r.levelno > logging.DEBUG] == []


def test_shutdown_cancels_an_app_that_never_responds_naming_the_request(
    running: Running,
) -> None:
    lines = shut_down_with_one_in_the_app(
        running, get("/hang"), lambda: fault_apps.entered == ["/hang"]
    )
    assert [line for line in lines if "GET /hang" in line] == [
        "graceful shutdown timed out: cancelled GET /hang"
    ], lines


# -- A Starlette app on Squall: Starlette answers 500 itself, then re-raises -----------------


async def starlette_raise(request: Request) -> Response:
    raise ValueError("starlette endpoint bug")


async def starlette_stream_raise(request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ValueError("starlette stream bug")

    return StreamingResponse(parts())


async def starlette_ok(request: Request) -> Response:
    return PlainTextResponse("ok")


starlette_app = Starlette(
    routes=[
        Route("/raise-before", starlette_raise),
        Route("/raise-after-chunked", starlette_stream_raise),
        Route("/ok", starlette_ok),
    ]
)


def test_starlette_raising_before_the_response_is_one_500_logged_once() -> None:
    with captured_errors() as logs, serve(starlette_app) as running, connect(running) as sock:
        sock.sendall(get("/raise-before"))
        response = read_response(sock)
        assert (response.status, response.body) == (500, b"Internal Server Error")
        assert_serves_on(running, sock)
    assert "GET /raise-before" in only_record(logs).getMessage()
    assert "starlette endpoint bug" in logs.tracebacks()


def test_starlette_raising_mid_stream_cuts_the_body_short_and_logs_once() -> None:
    with captured_errors() as logs, serve(starlette_app) as running:
        with connect(running) as sock:
            sock.sendall(get("/raise-after-chunked"))
            raw = read_until_closed(sock)
        assert raw.startswith(b"HTTP/1.1 200 ")
        assert raw.endswith(b"\r\n\r\n7\r\npartial\r\n")
        assert_serves_on(running)
    assert "GET /raise-after-chunked" in only_record(logs).getMessage()
    assert "starlette stream bug" in logs.tracebacks()
