"""The plain-head path (squall/server/http11/plain.py) and llhttp read requests alike.

A request that comes whole in one read is read by the plain-head scan; the same request
dribbled in byte by byte is read by llhttp.  Both must give the same scope, body and framing,
and anything the scan does not accept exactly must reach llhttp, which answers it.  The
connection counts which parser read each head (``plain_heads``, ``llhttp_heads``): the tests
check them, so a comparison can't quietly compare a path with itself.
"""

from __future__ import annotations

import json
import socket

import pytest

from squall.server.http11.plain import read_head
from tests.server import asgi_apps
from tests.server.serving import (
    PieceSender,
    Running,
    connect,
    exchange,
    read_response,
    serve,
    server_connection,
    wait_until,
)

LIMITS = (16 * 1024, 100)


def test_a_plain_head_is_split_into_lowercase_names_and_trimmed_values() -> None:
    raw = (
        b"POST /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8000\r\n"
        b"Content-Type:application/json\r\nX-Pad: \t a  b \t\r\nContent-Length: 4\r\n"
        b"Expect: 100-Continue\r\nX-Empty:\r\n\r\nbody"
    )
    head = read_head(raw, 0, *LIMITS)
    assert head is not None
    assert (head.method, head.raw_path, head.query, head.version) == (
        "POST",
        b"/a/b",
        b"x=1&y=%20",
        "1.1",
    )
    assert head.headers == [
        (b"host", b"example.com:8000"),
        (b"content-type", b"application/json"),
        (b"x-pad", b"a  b"),
        (b"content-length", b"4"),
        (b"expect", b"100-Continue"),
        (b"x-empty", b""),
    ]
    assert head.content_length == 4
    assert head.expect_100 and head.keep_alive
    assert raw[head.end :] == b"body"


@pytest.mark.parametrize(
    "value", [b"a\tb", b"caf\xc3\xa9", b"\x80\xff", b"~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"]
)
def test_values_may_hold_tabs_obs_text_and_any_visible_byte(value: bytes) -> None:
    head = read_head(b"GET / HTTP/1.1\r\nHost: x\r\nX-V: " + value + b"\r\n\r\n", 0, *LIMITS)
    assert head is not None and head.headers[1] == (b"x-v", value)


@pytest.mark.parametrize("control", [byte for byte in range(32) if byte not in (9, 13)])
def test_no_other_control_byte_in_a_value_is_plain(control: int) -> None:
    raw = b"GET / HTTP/1.1\r\nHost: x\r\nX-V: a" + bytes([control]) + b"b\r\n\r\n"
    assert read_head(raw, 0, *LIMITS) is None


def test_keep_alive_follows_the_version_and_the_connection_header() -> None:
    def keep_alive(raw: bytes) -> bool:
        head = read_head(raw, 0, *LIMITS)
        assert head is not None
        return head.keep_alive

    assert keep_alive(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert not keep_alive(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n")
    assert not keep_alive(b"GET / HTTP/1.0\r\n\r\n")
    assert keep_alive(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")


def test_heads_are_read_from_an_offset_one_after_another() -> None:
    first = b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
    second = b"GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
    head = read_head(first + second, len(first), *LIMITS)
    assert head is not None and head.raw_path == b"/2" and head.end == len(first + second)


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [(b"/", b"/", b""), (b"/a?", b"/a", b""), (b"/a?b?c", b"/a", b"b?c"), (b"/?x=1", b"/", b"x=1")],
)
def test_the_target_splits_at_the_first_question_mark(
    target: bytes, path: bytes, query: bytes
) -> None:
    head = read_head(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n", 0, *LIMITS)
    assert head is not None and (head.raw_path, head.query) == (path, query)


@pytest.mark.parametrize(
    "raw",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n",  # unfinished
        b"GET / HTTP/1.1\r\nHost: x\r\n\r",  # unfinished blank line
        b"GET / HTTP/1.1\nHost: x\r\n\r\n",  # bare LF
        b"GET / HTTP/1.1\r\nHost: x\n\r\n",  # bare LF ending a field
        b"GET / HTTP/1.1\r\nHost: x\r\rX: y\r\n\r\n",  # bare CR
        b"GET / HTTP/1.1\r\nHost : x\r\n\r\n",  # space before the colon
        b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",  # obs-fold
        b"GET / HTTP/1.1\r\nHost: x\x00y\r\n\r\n",  # NUL in a value
        b"GET / HTTP/1.1\r\nHost: x\x7f\r\n\r\n",  # DEL in a value
        b"GET / HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n",  # empty name
        b"GET / HTTP/1.1\r\n\r\n",  # no Host on HTTP/1.1
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  # two Hosts
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close, te\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nConnection: close\r\n\r\n",
        b"GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n",  # a fragment
        b"GET http://x/ HTTP/1.1\r\nHost: x\r\n\r\n",  # absolute-form
        b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",  # asterisk-form
        b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",  # a space in the target
        b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",  # two spaces
        b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n",  # a method llhttp knows better
        b"get / HTTP/1.1\r\nHost: x\r\n\r\n",  # methods are case-sensitive
        b"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
        b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",  # a leading empty line
    ],
)
def test_anything_not_plain_is_left_to_llhttp(raw: bytes) -> None:
    assert read_head(raw, 0, *LIMITS) is None


def test_limits_leave_big_heads_to_llhttp() -> None:
    many = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 5 + b"\r\n"
    assert read_head(many, 0, 16 * 1024, 6) is not None
    assert read_head(many, 0, 16 * 1024, 5) is None
    assert read_head(many, 0, len(many), 100) is not None
    assert read_head(many, 0, len(many) - 1, 100) is None


# -- Over a socket: the same request whole (plain path) and byte by byte (llhttp) --------


@pytest.fixture(scope="module")
def scope_server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.scope_json) as running:
        yield running


def byte_by_byte(running: Running, raw: bytes) -> dict:
    """``raw`` one byte per server read: llhttp must read the head."""
    with connect(running) as sock:
        sender = PieceSender(running, sock)
        sender.send_in_pieces(raw, range(1, len(raw)))
        response = read_response(sock)
        assert (sender.conn.plain_heads, sender.conn.llhttp_heads) == (0, 1)
        return json.loads(response.body)


def whole(running: Running, raw: bytes) -> dict:
    """``raw`` in one send, so in one read: the plain-head scan must read the head."""
    with connect(running) as sock:
        conn = server_connection(running, sock)
        sock.sendall(raw)
        response = read_response(sock)
        assert (conn.plain_heads, conn.llhttp_heads) == (1, 0)
        return json.loads(response.body)


SAME_SCOPE = [
    b"GET /caf%C3%A9/x?q=%20&r HTTP/1.1\r\nHost: x\r\nUser-Agent: t/1\r\nAccept: */*\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Obs: caf\xc3\xa9\r\n\r\nabc",
    b"GET / HTTP/1.0\r\nX-A:  spaced value  \r\n\r\n",
    b"DELETE /d HTTP/1.1\r\nHOST: x\r\nCONNECTION: keep-alive\r\n\r\n",
]


@pytest.mark.parametrize("raw", SAME_SCOPE)
def test_the_scope_is_the_same_on_both_paths(scope_server: Running, raw: bytes) -> None:
    fast, slow = whole(scope_server, raw), byte_by_byte(scope_server, raw)
    for scope in (fast, slow):
        scope.pop("client")  # the client port differs between connections
    assert fast == slow
    assert fast["headers"][0][0] == fast["headers"][0][0].lower()


@pytest.fixture(scope="module")
def echo_server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.echo) as running:
        yield running


def test_plain_and_chunked_requests_pipelined_together(echo_server: Running) -> None:
    stream = (
        b"POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
        b"POST /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n"
        b"POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthird"
        b"GET /4 HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    with connect(echo_server) as sock:
        sock.sendall(stream)
        bodies = [read_response(sock).body for _ in range(4)]
    assert bodies == [b"first", b"second", b"third", b""]


def test_a_plain_body_arriving_in_pieces_then_the_next_request() -> None:
    app = asgi_apps.Recorder()
    with serve(app) as running, connect(running) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(b"POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123")
        wait_until(lambda: app.chunks("/1") == [b"0123"], "the app to get the first piece")
        sock.sendall(b"45")
        wait_until(lambda: app.chunks("/1") == [b"0123", b"45"], "the second piece")
        sock.sendall(b"6789GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"0123456789"
        assert read_response(sock).status == 200
        conn = server_connection(running, sock)
        # Both heads came whole at a message boundary (the second after the first's body).
        assert (conn.plain_heads, conn.llhttp_heads) == (2, 0)
    assert app.chunks("/1") == [b"0123", b"45", b"6789"]  # each piece as it came
    assert app.entered == ["/1", "/2"]


def test_requests_after_connection_close_are_not_served(echo_server: Running) -> None:
    stream = (
        b"POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        b"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nnot"
    )
    reply = exchange(echo_server, stream)
    assert reply.count(b"HTTP/1.1 ") == 1
    assert reply.endswith(b"\r\n\r\nok")
    assert b"connection: close" in reply.lower()


def test_a_bad_request_after_plain_ones_is_answered_after_them(echo_server: Running) -> None:
    stream = (
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /3 HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n"
    )
    reply = exchange(echo_server, stream)
    assert reply.count(b"HTTP/1.1 200 OK") == 2
    assert b"HTTP/1.1 400 Bad Request" in reply
    assert reply.index(b"400 Bad Request") > reply.rindex(b"200 OK")
