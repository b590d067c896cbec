"""Timeouts, the concurrency limit, app failures and client disconnects."""

from __future__ import annotations

import logging
import threading
import time

import httpx
import pytest

from tests.server import asgi_apps
from tests.server.serving import (
    connect,
    exchange,
    join_all,
    read_response,
    read_until_closed,
    serve,
    wait_until,
)


def test_a_slow_request_head_gets_408_after_the_header_timeout() -> None:
    with serve(asgi_apps.router, timeout_headers=0.3) as running, connect(running) as sock:
        started = time.monotonic()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        raw = read_until_closed(sock, limit=5)
        waited = time.monotonic() - started
    assert raw.startswith(b"HTTP/1.1 408 ")
    assert 0.2 < waited < 3


def test_a_connection_that_never_speaks_is_closed() -> None:
    with serve(asgi_apps.router, timeout_headers=0.3) as running, connect(running) as sock:
        started = time.monotonic()
        assert read_until_closed(sock, limit=5) == b""
        waited = time.monotonic() - started
    # The deadline is set from the server's clock, cached once a tick (0.1 s): up to a tick
    # early; the wheel adds up to two ticks. Loose bounds: not at once, not much later.
    assert 0.15 < waited < 3


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout() -> None:
    with serve(asgi_apps.router, timeout_keep_alive=0.3) as running, connect(running) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"hello"
        started = time.monotonic()
        assert read_until_closed(sock, limit=5) == b""
        waited = time.monotonic() - started
        assert 0.15 < waited < 3  # not at once (the timeout is 0.3 s), not much later


def test_requests_beyond_the_concurrency_limit_get_503() -> None:
    app = asgi_apps.Recorder()
    with serve(app, limit_concurrency=2) as running:
        results: list[int] = []

        def held() -> None:
            results.append(httpx.get(running.url + "/hold", timeout=5).status_code)

        threads = [threading.Thread(target=held) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: len(app.entered) == 2, "two requests in the app")
            rejected = httpx.get(running.url + "/", timeout=5)
        finally:
            app.release()
            join_all(threads)
        assert rejected.status_code == 503
        assert app.entered == ["/hold", "/hold"]  # the third never reached the app
        assert sorted(results) == [200, 200]
        assert httpx.get(running.url + "/", timeout=5).status_code == 200  # capacity is back


def test_an_exception_before_the_response_is_a_500_and_the_connection_lives_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.ERROR, logger="squall.error"),
        serve(asgi_apps.router) as running,
        connect(running) as sock,
    ):
        sock.sendall(b"GET /error-before HTTP/1.1\r\nHost: x\r\n\r\n")
        response = read_response(sock)
        assert response.status == 500
        assert response.body == b"Internal Server Error\n"
        assert b"boom" not in response.body  # no details leak
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"hello"
    assert any("boom before the response" in str(r.exc_info) for r in caplog.records)


def test_an_exception_after_the_response_started_drops_the_connection() -> None:
    with serve(asgi_apps.router) as running:
        raw = exchange(running, b"GET /error-after HTTP/1.1\r\nHost: x\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 200 ")
        assert b"partial" in raw
        assert not raw.endswith(b"0\r\n\r\n")  # the chunked body never ended: truncated
        assert httpx.get(running.url).status_code == 200  # the worker lives on


def test_an_app_that_returns_without_responding_gives_500() -> None:
    with serve(asgi_apps.router) as running:
        response = httpx.get(running.url + "/no-response")
    assert response.status_code == 500


def test_the_app_hears_http_disconnect_when_the_client_goes() -> None:
    app = asgi_apps.Recorder()
    with serve(app) as running:
        with connect(running) as sock:
            sock.sendall(b"GET /wait-disconnect HTTP/1.1\r\nHost: x\r\n\r\n")
            wait_until(lambda: app.received.get("/wait-disconnect") == [b""], "the request")
        wait_until(lambda: len(app.received["/wait-disconnect"]) == 2, "the next message")
        assert app.received["/wait-disconnect"] == [b"", "http.disconnect"]
        assert httpx.get(running.url).status_code == 200


def test_a_client_leaving_mid_body_does_not_hurt_the_server() -> None:
    app = asgi_apps.Recorder()
    with serve(app) as running:
        with connect(running) as sock:
            sock.sendall(b"POST /gone HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial")
            wait_until(lambda: app.chunks("/gone") == [b"partial"], "the first part of the body")
        wait_until(lambda: "http.disconnect" in app.received["/gone"], "the disconnect")
        assert httpx.post(running.url + "/after", content=b"after").content == b"after"
