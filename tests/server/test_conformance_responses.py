"""What a response never carries (RFC 9110 6.4.1, 8.6, 15.2; RFC 9112 6.1, 6.3, 9.3): the
cases test_protocol.py and test_response_framing.py leave out.  See docs/conformance.md."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.serving import Running, connect, exchange, read_response, serve


async def framing_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Streams "one,two" with framing headers of its own, which the server must replace."""
    if scope["type"] != "http":
        return
    headers = [(b"transfer-encoding", b"chunked"), (b"connection", b"keep-alive, upgrade")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"one,", "more_body": True})
    await send({"type": "http.response.body", "body": b"two"})


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve(framing_app) as running:
        yield running


def test_http_1_0_gets_no_transfer_encoding_but_a_close_delimited_body(server: Running) -> None:
    raw = exchange(server, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")  # RFC 9110 6.2: the server's own version
    assert b"transfer-encoding" not in head.lower()
    assert b"connection: close" in head.lower()
    assert body == b"one,two"


def test_http_1_1_gets_the_servers_framing_not_the_apps_headers(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        response = read_response(sock)
        assert response.header_list.count(("transfer-encoding", "chunked")) == 1
        assert "connection" not in response.headers  # the app's hop-by-hop value is dropped
        assert response.body == b"one,two"
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"one,two"  # and the connection persists


def test_head_gets_neither_body_nor_chunks(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        head = read_response(sock, head_request=True)
        assert head.status == 200
        assert read_response(sock).body == b"one,two"  # nothing stray came in between
