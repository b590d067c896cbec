"""The per-stream path's own work, frame by frame with a raw ``h2`` client on a real socket:
what Squall does itself instead of h2 (cookie fields joined, response heads made as h2 would
send them), apps started once the read's events are handled, and the idle timer.
"""

from __future__ import annotations

from typing import Any

from tests.server.http2 import require_h2

require_h2()

from hpack import NeverIndexedHeaderTuple  # noqa: E402

from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.h2client import RawH2, StreamLog  # noqa: E402
from tests.server.serving import serve, server_state, wait_until  # noqa: E402

Scope = dict[str, Any]


def send(client: RawH2, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> int:
    stream_id = client.h2.get_next_available_stream_id()
    client.streams[stream_id] = StreamLog()
    request = [(b":method", b"POST" if body else b"GET"), (b":scheme", b"http")]
    request += [(b":authority", client.authority), (b":path", b"/"), *headers]
    client.h2.send_headers(stream_id, request, end_stream=not body)
    if body:
        client.h2.send_data(stream_id, body, end_stream=True)
    client.flush()
    return stream_id


def test_cookie_fields_are_joined_into_one_last() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        client = RawH2(running)
        cookies = [(b"cookie", b"a=1"), (b"accept", b"*/*"), (b"cookie", b"b=2")]
        stream = send(client, cookies)
        client.read(lambda: client.done(stream))
        headers = seen.scopes[0]["headers"]
        assert headers[-2:] == [(b"accept", b"*/*"), (b"cookie", b"a=1; b=2")]
        assert [name for name, _ in headers].count(b"cookie") == 1
        client.close()


async def odd_head_app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = [
        (b"X-Mixed-Case", b"  padded\t"),
        (b"Connection", b"close"),
        (b"te", b"gzip"),
        (b":path", b"/sneaky"),
        (b"Authorization", b"Basic c2VjcmV0"),
        (b"content-length", b"2"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_response_head_goes_out_as_http2_wants_it() -> None:
    with serve(odd_head_app) as running:
        client = RawH2(running)
        stream = client.request("/")
        client.read(lambda: client.done(stream))
        log = client.streams[stream]
        names = [name for name, _ in log.headers]
        assert names[:4] == [b":status", b"x-mixed-case", b"authorization", b"content-length"]
        assert not {b"connection", b"te", b":path"} & set(names)
        fields = dict(log.headers)
        assert fields[b"x-mixed-case"] == b"padded"
        secret = next(field for field in log.headers if field[0] == b"authorization")
        assert isinstance(secret, NeverIndexedHeaderTuple)  # kept out of the HPACK table
        assert bytes(log.data) == b"ok" and log.ended
        client.close()


def test_a_stream_reset_in_the_read_that_opened_it_never_starts_its_app() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        client = RawH2(running)
        reset = client.h2.get_next_available_stream_id()
        client.streams[reset] = StreamLog()
        client.h2.send_headers(reset, [
            (b":method", b"GET"), (b":scheme", b"http"), (b":authority", client.authority),
            (b":path", b"/reset"),
        ], end_stream=True)  # fmt: skip
        client.h2.reset_stream(reset)
        client.flush()  # HEADERS and RST_STREAM in one write: one read on the server
        served = client.request("/served")
        client.read(lambda: client.done(served))
        assert [scope["path"] for scope in seen.scopes] == ["/served"]
        client.close()


def test_a_post_body_in_the_same_read_is_whole_when_the_app_starts() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        client = RawH2(running)
        stream = client.request("/echo", method="POST", body=b"x" * 1000)
        client.read(lambda: client.done(stream))
        assert bytes(client.streams[stream].data).startswith(b"1000 ")
        assert seen.body_chunks == [1000]  # one receive(): the body had arrived in full
        client.close()


def test_a_stream_open_past_the_keep_alive_timeout_keeps_its_connection() -> None:
    seen = Seen()
    with serve(make_app(seen), timeout_keep_alive=0.2) as running:
        client = RawH2(running)
        stream = client.request("/held")
        wait_until(seen.held.is_set, "the app to hold the request")
        client.quiet_for(0.5)  # the idle timer fires meanwhile, and finds a stream open
        assert client.goaway is None and not client.closed
        seen.release()
        client.read(lambda: client.done(stream))
        assert bytes(client.streams[stream].data) == b"released"
        client.read(lambda: client.closed)  # then idle: GOAWAY, closed
        assert client.goaway is not None
        assert not server_state(running).active_requests
        client.close()
