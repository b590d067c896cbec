"""HTTP/1.1 behaviour over real sockets: scope, keep-alive, pipelining, framing, HEAD."""

from __future__ import annotations

import hashlib
import json
import random
import socket
from typing import Any

import httpx
import pytest

from tests.server import asgi_apps
from tests.server.serving import Running, connect, exchange, read_response, serve, wait_until

POST_USER = b'{"id": 1, "name": "user", "email": "user@email.com"}'


@pytest.fixture(scope="module")
def router_server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.router) as running:
        yield running


@pytest.fixture(scope="module")
def echo_server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.echo) as running:
        yield running


def test_scope_has_every_field_the_spec_asks_for() -> None:
    with serve(asgi_apps.scope_json, root_path="/api") as running:
        response = httpx.get(running.url + "/caf%C3%A9/x?a=1&b=%20", headers={"X-Twice": "1"})
    scope = response.json()
    assert scope["type"] == "http"
    assert scope["asgi"]["version"] == "3.0"
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "http"
    assert scope["root_path"] == "/api"
    assert scope["path"] == "/api/café/x"
    assert scope["raw_path"] == "/api/caf%C3%A9/x"
    assert scope["query_string"] == "a=1&b=%20"
    assert scope["client"][0] == "127.0.0.1" and isinstance(scope["client"][1], int)
    assert scope["server"] == ["127.0.0.1", running.port]
    assert ["x-twice", "1"] in scope["headers"]
    assert all(name == name.lower() for name, _ in scope["headers"])
    assert scope["state"] == {}


def test_header_order_and_duplicates_are_kept() -> None:
    with serve(asgi_apps.scope_json) as running:
        raw = exchange(
            running,
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-B: 2\r\nX-A: 3\r\nConnection: close\r\n\r\n",
        )
    scope = json.loads(raw.partition(b"\r\n\r\n")[2])
    names = [pair for pair in scope["headers"] if pair[0].startswith("x-")]
    assert names == [["x-a", "1"], ["x-b", "2"], ["x-a", "3"]]


def test_keep_alive_serves_many_requests_on_one_connection(echo_server) -> None:  # type: ignore[no-untyped-def]
    with connect(echo_server) as sock:
        for i in range(5):
            body = b"request %d" % i
            sock.sendall(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            response = read_response(sock)
            assert response.status == 200
            assert response.body == body
            assert "connection" not in response.headers


def test_pipelined_requests_are_answered_in_order(router_server) -> None:  # type: ignore[no-untyped-def]
    requests = b"".join(
        [
            b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n12345",
            b"GET /slow?0.05 HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        ]
    )
    with connect(router_server) as sock:
        sock.sendall(requests)
        bodies = [read_response(sock).body for _ in range(5)]
    assert bodies == [b"one,two,three", b"hello", b"5", b"slow done", b"hello"]


def test_chunked_request_bodies_are_reassembled(echo_server) -> None:  # type: ignore[no-untyped-def]
    with connect(echo_server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n"
        )
        response = read_response(sock)
        assert response.body == b"hello world"
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        assert read_response(sock).body == b"ok"  # the connection is still usable


def test_chunked_request_arriving_slowly() -> None:
    app = asgi_apps.Recorder()
    with serve(app) as running, connect(running) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        sock.sendall(b"3\r\nabc\r\n")
        wait_until(lambda: app.chunks("/") == [b"abc"], "the first chunk in the app")
        sock.sendall(b"2\r\n")
        sock.sendall(b"de\r\n")
        wait_until(lambda: app.chunks("/") == [b"abc", b"de"], "the second chunk in the app")
        sock.sendall(b"0\r\n\r\n")
        assert read_response(sock).body == b"abcde"
    assert app.chunks("/") == [b"abc", b"de"]  # delivered chunk by chunk, not at the end


def test_responses_without_length_are_chunked(router_server) -> None:  # type: ignore[no-untyped-def]
    with connect(router_server) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        response = read_response(sock)
    assert response.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.headers
    assert response.body == b"one,two,three"


def test_a_single_body_message_gets_a_content_length(router_server) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(router_server.url + "/")
    assert response.headers["content-length"] == "5"
    assert "transfer-encoding" not in response.headers


def test_http_1_0_closes_unless_asked_to_keep_alive(router_server) -> None:  # type: ignore[no-untyped-def]
    raw = exchange(router_server, b"GET / HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 200 ")
    assert b"connection: close" in raw.lower()
    assert raw.endswith(b"hello")
    with connect(router_server) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        first = read_response(sock)
        assert first.headers["connection"] == "keep-alive"
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert read_response(sock).body == b"hello"


def test_http_1_0_streaming_ends_with_the_connection(router_server) -> None:  # type: ignore[no-untyped-def]
    raw = exchange(router_server, b"GET /stream HTTP/1.0\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in head.lower()
    assert body == b"one,two,three"


def test_connection_close_from_the_client_is_honoured(router_server) -> None:  # type: ignore[no-untyped-def]
    raw = exchange(router_server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw.endswith(b"hello")  # and then the server closed: exchange() returned


def test_head_sends_headers_but_no_body(router_server) -> None:  # type: ignore[no-untyped-def]
    with connect(router_server) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        response = read_response(sock, head_request=True)
        assert response.status == 200
        assert response.headers["content-length"] == "5"
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"hello"  # no stray body bytes came in between


@pytest.mark.parametrize("status", [204, 304])
def test_statuses_without_a_body_get_no_framing_headers(router_server, status: int) -> None:  # type: ignore[no-untyped-def]
    with connect(router_server) as sock:
        sock.sendall(b"GET /status?%d HTTP/1.1\r\nHost: x\r\n\r\n" % status)
        response = read_response(sock)
        assert response.status == status
        assert "content-length" not in response.headers
        assert "transfer-encoding" not in response.headers
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"hello"


def test_expect_100_continue_is_answered_when_the_app_reads(echo_server) -> None:  # type: ignore[no-untyped-def]
    with connect(echo_server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
        )
        interim = sock.recv(1024)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"data")
        assert read_response(sock).body == b"data"


def test_expect_100_continue_is_not_sent_when_the_app_does_not_read(router_server) -> None:  # type: ignore[no-untyped-def]
    raw = exchange(
        router_server,
        b"POST /no-read HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    )
    assert b"100 Continue" not in raw
    assert raw.startswith(b"HTTP/1.1 200 ")
    assert raw.endswith(b"did not read")  # and the connection closed: the body never came


def test_expect_100_continue_is_ignored_for_http_1_0(echo_server) -> None:  # type: ignore[no-untyped-def]
    raw = exchange(
        echo_server, b"POST / HTTP/1.0\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\ndata"
    )
    assert b"100 Continue" not in raw
    assert raw.endswith(b"data")


HIGH_WATER = 16 * 1024  # small flow-control marks: pausing is certain, not a matter of luck
READ_SIZE = 256 * 1024  # the most one socket read delivers (uvloop's and asyncio's buffers)


def the_connection(running: Running) -> Any:
    """The server's only connection (the test's own)."""
    connections = running.server.state.connections
    wait_until(lambda: len(connections) == 1, "exactly one connection on the server")
    return next(iter(connections))


def upload(path: bytes, body: bytes, chunked: bool) -> bytes:
    if not chunked:
        head = b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (path, len(body))
        return head + body
    pieces = [body[i : i + 8000] for i in range(0, len(body), 8000)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%s0\r\n\r\n" % (
        path,
        framed,
    )


def answer_for(body: bytes) -> bytes:
    return b"%d %s" % (len(body), hashlib.sha256(body).hexdigest().encode())


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_large_upload_the_app_does_not_read_pauses_reading(chunked: bool) -> None:
    body = random.Random(7).randbytes(2 * 1024 * 1024)
    app = asgi_apps.FlowControl()
    with serve(app, read_buffer_high_water=HIGH_WATER) as running:
        app.state = running.server.state
        with connect(running, timeout=10) as sock:
            # The app reads nothing until reading has paused (else it answers 500): sendall
            # only completes because reading resumes once the app takes the body.
            sock.sendall(upload(b"/read-after-pause", body, chunked))
            response = read_response(sock)
            conn = the_connection(running)
            assert response.status == 200, response.body
            assert response.body == answer_for(body)  # every byte, in order
            assert app.records[0]["read_pauses"] >= 1
            assert conn.read_pauses >= 1
            assert not conn.read_paused  # resumed: the body was read to its end
            # The server held at most the high-water mark plus one read, never the whole body.
            assert app.records[0]["largest_message"] <= HIGH_WATER + READ_SIZE


def test_large_uploads_back_to_back_pause_and_resume_reading_each_time() -> None:
    size = 1024 * 1024
    app = asgi_apps.FlowControl()
    with serve(app, read_buffer_high_water=HIGH_WATER) as running:
        app.state = running.server.state
        with connect(running, timeout=10) as sock:
            for i in range(3):
                body = random.Random(i).randbytes(size)
                sock.sendall(upload(b"/read-after-pause", body, chunked=i == 1))
                response = read_response(sock)
                assert response.body == answer_for(body), i
            pauses = [record["read_pauses"] for record in app.records]
            assert pauses[0] >= 1
            assert pauses[0] < pauses[1] < pauses[2]  # paused anew for each request
            # A large body the app never reads: answered, the rest dropped, reading goes on.
            sock.sendall(upload(b"/no-read", b"u" * size, chunked=False))
            assert read_response(sock).body == b"/no-read"
            sock.sendall(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock).body == b"/after"
            assert not the_connection(running).read_paused


def test_a_slow_reading_client_pauses_writing_and_the_app_waits_in_send() -> None:
    app = asgi_apps.FlowControl()
    with serve(app, write_high_water=HIGH_WATER) as running:
        app.state = running.server.state
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)  # before connect
            sock.settimeout(10)
            sock.connect((running.host, running.port))
            sock.sendall(b"GET /stream-until-drained?8 HTTP/1.1\r\nHost: x\r\n\r\n")
            conn = the_connection(running)
            # Read nothing until the server has had to stop writing to us.
            wait_until(lambda: conn.write_pauses >= 1, "the server to pause writing", limit=20)
            response = read_response(sock)
        record = app.records[0]
    assert record["waits"] >= 1  # send handed the app a drain, and it returned once drained
    assert record["write_pauses"] >= 1
    assert response.headers["transfer-encoding"] == "chunked"
    assert len(response.body) == record["sent"]
    assert response.body == asgi_apps.FlowControl.CHUNK * (record["sent"] // 16384)


def test_pipelining_past_the_limit_pauses_reading_until_the_queue_drains() -> None:
    app = asgi_apps.FlowControl()
    with serve(app, max_pipelined_requests=2) as running:
        app.state = running.server.state
        with connect(running) as sock:
            # The first request answers only once reading has paused (else a 500): it holds
            # the queue while the four behind it fill it past the limit of two.
            sock.sendall(
                b"GET /pause-then-answer HTTP/1.1\r\nHost: x\r\n\r\n"
                + b"".join(b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(4))
            )
            bodies = [read_response(sock).body for _ in range(5)]
            assert bodies == [b"paused", b"/0", b"/1", b"/2", b"/3"]
            assert app.records[0]["read_pauses"] >= 1
            sock.sendall(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")  # reading resumed
            assert read_response(sock).body == b"/after"
            conn = the_connection(running)
            assert conn.read_pauses >= 1 and not conn.read_paused


def test_date_and_server_headers_are_sent_and_can_be_turned_off() -> None:
    with serve(asgi_apps.router) as running:
        response = httpx.get(running.url)
    assert response.headers["server"] == "squall"
    assert response.headers["date"].endswith(" GMT")
    with serve(
        asgi_apps.router, server_header=False, date_header=False, headers=[("X-Extra", "1")]
    ) as running:
        response = httpx.get(running.url)
    assert "server" not in response.headers
    assert "date" not in response.headers
    assert response.headers["x-extra"] == "1"


def test_httpx_round_trips_json(echo_server) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=echo_server.url) as client:
        for _ in range(3):
            response = client.post("/user", content=POST_USER)
            assert response.status_code == 200
            assert response.content == POST_USER


def test_large_uploads_back_to_back_on_one_connection(router_server) -> None:  # type: ignore[no-untyped-def]
    size = 1024 * 1024  # past the read buffer's high-water mark: reading pauses and resumes
    with connect(router_server, timeout=10) as sock:
        for _ in range(3):
            sock.sendall(
                b"POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size
                + b"u" * size
            )
            assert read_response(sock).body == str(size).encode()
        sock.sendall(
            b"POST /no-read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size + b"u" * size
        )
        assert read_response(sock).body == b"did not read"
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(sock).body == b"hello"


async def iterable_headers(scope, receive, send):  # type: ignore[no-untyped-def]
    """Response headers as lists and from a generator: any iterable of pairs is ASGI."""
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [[b"content-type", b"text/plain"], [b"x-list", b"1"]],
        }
    )
    await send({"type": "http.response.body", "body": b"a", "more_body": True})
    await send({"type": "http.response.body", "body": b"b"})


async def generator_headers(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    pairs = ((b"x-gen", str(n).encode()) for n in range(2))
    await send({"type": "http.response.start", "status": 201, "headers": pairs})
    await send({"type": "http.response.body", "body": b"ok"})


def test_response_headers_may_be_lists_or_any_iterable() -> None:
    for _ in range(2):  # the second time through the header cache
        with serve(iterable_headers) as running:
            response = httpx.get(running.url)
        assert response.headers["x-list"] == "1" and response.text == "ab"
        with serve(generator_headers) as running:
            response = httpx.get(running.url)
        assert response.status_code == 201
        assert response.headers.get_list("x-gen") == ["0", "1"]
