"""The access log (``squall.access``): one line per response, when it is turned on."""

from __future__ import annotations

import httpx

from examples.users import app as users_app
from tests.server import asgi_apps
from tests.server.serving import connect, read_response, serve, wait_until


def without_size_and_time(line: str) -> str:
    """The line up to the status (test_logging_config.py checks the bytes and duration)."""
    return line.rsplit(" ", 2)[0]


def one_line(lines: list[str], count: int = 1) -> str:
    wait_until(lambda: len(lines) >= count, f"{count} access log line(s)")
    return lines[count - 1]


def test_a_request_is_logged_with_method_target_query_version_and_status(
    access_lines: list[str],
) -> None:
    with serve(asgi_apps.router, access_log=True) as running, connect(running) as sock:
        sock.sendall(b"GET /caf%C3%A9?a=1&b=%20 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).status == 200
        line = one_line(access_lines)
        port = sock.getsockname()[1]
    assert (
        without_size_and_time(line) == f'127.0.0.1:{port} - "GET /caf%C3%A9?a=1&b=%20 HTTP/1.1" 200'
    )


def test_status_method_and_http_version_come_from_each_request(access_lines: list[str]) -> None:
    with serve(asgi_apps.router, access_log=True) as running, connect(running) as sock:
        sock.sendall(b"POST /status?404 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        assert read_response(sock).status == 404
        sock.sendall(b"GET /error-before HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).status == 500
        sock.sendall(b"HEAD /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert read_response(sock, head_request=True).status == 200
        wait_until(lambda: len(access_lines) == 3, "three access log lines")
    assert [without_size_and_time(line.partition(" - ")[2]) for line in access_lines] == [
        '"POST /status?404 HTTP/1.1" 404',
        '"GET /error-before HTTP/1.1" 500',
        '"HEAD /stream HTTP/1.0" 200',
    ]


def test_the_framework_path_is_logged_too(access_lines: list[str]) -> None:
    user = {"id": 1, "name": "user", "email": "user@email.com"}
    with serve(users_app, access_log=True) as running, httpx.Client() as client:
        assert client.post(running.url + "/user?x=y", json=user).status_code == 200
        assert client.post(running.url + "/user", json={"id": 1}).status_code == 422
        wait_until(lambda: len(access_lines) == 2, "two access log lines")
    assert [without_size_and_time(line.partition(" - ")[2]) for line in access_lines] == [
        '"POST /user?x=y HTTP/1.1" 200',
        '"POST /user HTTP/1.1" 422',
    ]


def test_nothing_is_logged_when_it_is_off(access_lines: list[str]) -> None:
    with serve(asgi_apps.router, access_log=False) as running:
        assert httpx.get(running.url + "/?q=1").status_code == 200
    with serve(asgi_apps.router, access_log=True) as running:
        assert httpx.get(running.url + "/?q=2").status_code == 200
        one_line(access_lines)  # the same client, logging on: a line comes
    assert len(access_lines) == 1 and '"GET /?q=2 HTTP/1.1" 200' in access_lines[0]
