"""Malformed and oversized requests: the right status, a short reason, and a closed connection."""

from __future__ import annotations

import pytest

from tests.server import asgi_apps
from tests.server.serving import Running, connect, exchange, read_response, read_until_closed, serve


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve(
        asgi_apps.echo,
        max_request_line_size=1024,
        max_header_size=2048,
        max_header_count=20,
        max_body_size=10_000,
    ) as running:
        yield running


def assert_error(raw: bytes, status: int, reason_part: str) -> None:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status), raw[:200]
    assert b"connection: close" in head.lower()
    assert b"content-type: text/plain" in head.lower()
    assert reason_part.lower() in body.decode().lower()
    assert len(body) < 200  # a short reason, not a page


CASES = {
    "bad request line": (b"GARBAGE\r\n\r\n", 400, "invalid"),
    "missing target": (b"GET HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid"),
    "invalid header name": (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400, "header"),
    "control byte in header value": (
        b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",
        400,
        "invalid",
    ),
    "bare LF line endings": (b"GET / HTTP/1.1\nHost: x\n\n", 400, "invalid"),
    "missing Host on HTTP/1.1": (b"GET / HTTP/1.1\r\n\r\n", 400, "host"),
    "two Host headers": (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "host"),
    "Content-Length with Transfer-Encoding": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
        "transfer-encoding",
    ),
    "conflicting Content-Length": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
        "content-length",
    ),
    "non-numeric Content-Length": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        400,
        "content-length",
    ),
    "invalid chunk size": (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        400,
        "chunk",
    ),
    "HTTP/2.0 in the request line": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "version"),
    "HTTP/3.0 in the request line": (b"GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505, "version"),
    "request target too long": (
        b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        414,
        "long",
    ),
    "too many headers": (
        b"GET / HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: v\r\n" % i for i in range(30))
        + b"\r\n",
        431,
        "headers",
    ),
    "header section too large": (
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 3000 + b"\r\n\r\n",
        431,
        "large",
    ),
    "body over the limit by Content-Length": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n",
        413,
        "too large",
    ),
}


@pytest.mark.parametrize("raw,status,reason", CASES.values(), ids=CASES.keys())
def test_bad_requests_get_the_right_status(
    server: Running, raw: bytes, status: int, reason: str
) -> None:
    assert_error(exchange(server, raw), status, reason)


def test_a_chunked_body_growing_past_the_limit_gets_413(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(12):
            sock.sendall(b"3e8\r\n" + b"c" * 1000 + b"\r\n")
        raw = read_until_closed(sock)
    assert_error(raw, 413, "too large")


def test_a_header_section_dribbled_in_pieces_is_still_limited(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        for _ in range(40):
            sock.sendall(b"v" * 100)
        raw = read_until_closed(sock)
    assert raw.startswith(b"HTTP/1.1 431 ")


def test_an_error_after_good_pipelined_requests_comes_after_their_answers(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
            b"BROKEN\r\n\r\n"
        )
        assert read_response(sock).body == b"one"
        assert read_response(sock).body == b"two"
        raw = read_until_closed(sock)
    assert_error(raw, 400, "invalid")


def test_the_server_keeps_serving_after_bad_requests(server: Running) -> None:
    for raw, _, _ in CASES.values():
        exchange(server, raw)
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        assert read_response(sock).body == b"ok"
