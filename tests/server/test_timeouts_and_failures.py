"""Timeouts, the concurrency limit, app failures and client disconnects."""

from __future__ import annotations

import logging
import os
import threading
import time

import httpx
import pytest

from tests.server import asgi_apps
from tests.server.serving import connect, exchange, read_response, read_until_closed, serve


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
        assert read_until_closed(sock, limit=5) == b""


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout() -> None:
    with serve(asgi_apps.router, timeout_keep_alive=0.3) as running, connect(running) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"hello"
        started = time.monotonic()
        assert read_until_closed(sock, limit=5) == b""
        assert time.monotonic() - started < 3


def test_requests_beyond_the_concurrency_limit_get_503() -> None:
    with serve(asgi_apps.router, limit_concurrency=2) as running:
        results: list[int] = []

        def slow() -> None:
            results.append(httpx.get(running.url + "/slow?0.5", timeout=5).status_code)

        threads = [threading.Thread(target=slow) for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(0.2)
        rejected = httpx.get(running.url + "/", timeout=5)
        for thread in threads:
            thread.join()
        assert rejected.status_code == 503
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


def test_the_app_hears_http_disconnect_when_the_client_goes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = str(tmp_path / "disconnect")
    with serve(asgi_apps.router) as running:
        with connect(running) as sock:
            sock.sendall(b"GET /wait-disconnect?%s HTTP/1.1\r\nHost: x\r\n\r\n" % marker.encode())
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        while not os.path.exists(marker) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)
        with open(marker) as file:
            assert file.read() == "http.disconnect"
        assert httpx.get(running.url).status_code == 200


def test_a_client_leaving_mid_body_does_not_hurt_the_server() -> None:
    with serve(asgi_apps.echo) as running:
        with connect(running) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial")
        time.sleep(0.1)
        assert httpx.post(running.url, content=b"after").content == b"after"
