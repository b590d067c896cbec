"""How HTTP/1.1 responses are framed on the wire (squall/server/http11/writer.py), raw bytes.

Already covered elsewhere, and not repeated here: an HTTP/1.0 streamed response without a
length is sent without chunking and ends with the close (test_protocol.py,
test_http_1_0_streaming_ends_with_the_connection); HEAD on a whole-body response
(test_head_sends_headers_but_no_body); 204/304 with an empty body
(test_statuses_without_a_body_get_no_framing_headers).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.serving import (
    Running,
    captured_errors,
    connect,
    exchange,
    read_head,
    read_response,
    read_until_closed,
    serve,
)

SEND_ERRORS: list[str] = []  # what the framing app's send raised, in order


async def framing_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Responses framed each way, picked by path (``status`` in the query string)."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    status = int(scope["query_string"] or b"200")

    async def start(headers: list[tuple[bytes, bytes]]) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})

    async def part(body: bytes, more: bool = True) -> None:
        await send({"type": "http.response.body", "body": body, "more_body": more})

    if path == "/chunked":
        await start([])
        await part(b"one,")
        await part(b"two,")
        await part(b"three", more=False)
    elif path == "/stream-with-length":
        await start([(b"content-length", b"6")])
        await part(b"abc")
        await part(b"def", more=False)
    elif path == "/short-stream":  # announces 10 bytes, sends 5
        await start([(b"content-length", b"10")])
        await part(b"abc")
        await part(b"de", more=False)
    elif path == "/short-whole":
        await start([(b"content-length", b"10")])
        await part(b"abcde", more=False)
    elif path in ("/long-first", "/long-later", "/long-whole"):  # announces 3 bytes
        await start([(b"content-length", b"3")])
        try:
            if path == "/long-first":
                await part(b"abcdef")
            elif path == "/long-later":
                await part(b"ab")
                await part(b"cdef")
            else:
                await part(b"abcdef", more=False)
        except RuntimeError as exc:
            SEND_ERRORS.append(str(exc))
            raise
        SEND_ERRORS.append("no error")
    elif path == "/with-body":  # for 204 and 304: whatever the app sends must be dropped
        await start([(b"content-length", b"7"), (b"x-app", b"1")])
        await part(b"dropped", more=False)
    elif path == "/streamed-body":
        await start([(b"x-app", b"1")])
        await part(b"drop")
        await part(b"ped", more=False)
    else:
        await start([])
        await part(b"after " + path.encode(), more=False)


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve(framing_app) as running:
        yield running


@pytest.fixture(autouse=True)
def no_send_errors() -> None:
    SEND_ERRORS.clear()


def split(raw: bytes) -> tuple[list[str], bytes]:
    """A raw response's lower-cased header lines (status line first) and what follows."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    return head.decode("latin-1").lower().split("\r\n"), rest


def get(path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode()


def test_a_chunked_response_ends_with_the_last_chunk(server: Running) -> None:
    # The next response follows on the connection: the chunked body's exact bytes are
    # what lies between the two heads.
    raw = exchange(server, get("/chunked") + get("/next", "Connection: close\r\n"))
    lines, rest = split(raw)
    assert lines[0].startswith("http/1.1 200 ")
    assert "transfer-encoding: chunked" in lines
    assert not any(line.startswith("content-length") for line in lines)
    body, _, second = rest.partition(b"HTTP/1.1 ")
    assert body == b"4\r\none,\r\n4\r\ntwo,\r\n5\r\nthree\r\n0\r\n\r\n"
    assert second.endswith(b"after /next")


def test_a_streamed_response_with_its_length_is_not_chunked(server: Running) -> None:
    raw = exchange(server, get("/stream-with-length") + get("/next", "Connection: close\r\n"))
    lines, rest = split(raw)
    assert "content-length: 6" in lines and "transfer-encoding: chunked" not in lines
    assert rest.startswith(b"abcdefHTTP/1.1 200 ")  # exactly 6 bytes, kept alive
    assert rest.endswith(b"after /next")


@pytest.mark.parametrize("path", ["/short-stream", "/short-whole"])
def test_a_body_shorter_than_its_content_length_ends_with_the_close(
    server: Running, path: str
) -> None:
    # A second request is pipelined: it must not be answered (the client could not tell
    # its response from the missing body bytes).
    raw = exchange(server, get(path) + get("/never"), limit=5)  # fails unless the server closes
    lines, rest = split(raw)
    assert lines[0].startswith("http/1.1 200 ")
    assert "content-length: 10" in lines
    assert rest == b"abcde"
    if path == "/short-whole":  # known before the head went out: it says so
        assert "connection: close" in lines


@pytest.mark.parametrize("path", ["/long-first", "/long-whole"])
def test_a_body_longer_than_its_content_length_fails_the_app_and_nothing_was_sent_gives_500(
    server: Running, path: str
) -> None:
    with captured_errors() as errors, connect(server) as sock:
        sock.sendall(get(path))
        response = read_response(sock)
        assert response.status == 500
        assert response.body == b"Internal Server Error\n"
        assert b"abc" not in response.body
        sock.sendall(get("/next"))  # the connection lives on: the 500 was framed properly
        assert read_response(sock).body == b"after /next"
    assert SEND_ERRORS == ["response body longer than its content-length"]
    assert "longer than its content-length" in errors.messages()  # one line (faults.py)


def test_a_body_longer_than_its_content_length_after_a_first_part_drops_the_connection(
    server: Running,
) -> None:
    with captured_errors() as errors:
        raw = exchange(server, get("/long-later") + get("/never"))
    lines, rest = split(raw)
    assert lines[0].startswith("http/1.1 200 ")
    assert "content-length: 3" in lines
    assert rest == b"ab"  # what was sent before the error, then the close; never more than 3
    assert SEND_ERRORS == ["response body longer than its content-length"]
    assert "longer than its content-length" in errors.messages()  # one line (faults.py)


@pytest.mark.parametrize("path", ["/chunked", "/stream-with-length"])
def test_head_on_a_streamed_response_sends_no_body_and_keeps_the_connection(
    server: Running, path: str
) -> None:
    with connect(server) as sock:
        sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        response = read_response(sock, head_request=True)
        assert response.status == 200
        assert "connection" not in response.headers
        if path == "/stream-with-length":
            assert response.headers["content-length"] == "6"  # what GET would announce
        # Nothing but the next response follows: a stray body byte or last chunk would
        # be read as the start of it.
        sock.sendall(get("/next"))
        after = read_response(sock)
        assert after.status == 200 and after.body == b"after /next"


@pytest.mark.parametrize("status", [204, 304])
@pytest.mark.parametrize("path", ["/with-body", "/streamed-body"])
def test_204_and_304_drop_the_apps_body_and_framing(
    server: Running, status: int, path: str
) -> None:
    with connect(server) as sock:
        sock.sendall(get(f"{path}?{status}"))
        head = read_head(sock)
        lines = head.decode("latin-1").lower().split("\r\n")
        assert lines[0].startswith(f"http/1.1 {status} ")
        assert "x-app: 1" in lines
        assert not any(line.startswith(("content-length", "transfer-encoding")) for line in lines)
        assert not any(line.startswith("connection") for line in lines)  # kept alive
        sock.sendall(get("/next", "Connection: close\r\n"))
        rest = read_until_closed(sock)
    assert rest.partition(b"\r\n\r\n")[2].startswith(b"HTTP/1.1 200 ")  # no body in between
    assert rest.endswith(b"after /next")
    assert b"drop" not in rest
