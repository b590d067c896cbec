"""RFC 9112 5-7 and RFC 9110 5, 7.6, 10.1.1 on both parser paths: fields, framing, chunks,
trailers, Connection and Expect.  See docs/conformance.md for the table."""

from __future__ import annotations

import json

import pytest

from tests.server import asgi_apps
from tests.server.conformance import WAYS, ask, refused, scope_of
from tests.server.serving import (
    PieceSender,
    Running,
    connect,
    read_response,
    serve,
)

HEAD = b"POST / HTTP/1.1\r\nHost: x\r\n"


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.scope_json) as running:
        yield running


@pytest.fixture(scope="module")
def echo_server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.echo) as running:
        yield running


def with_field(line: bytes) -> bytes:
    return b"GET / HTTP/1.1\r\nHost: x\r\n" + line + b"\r\n\r\n"


# -- Field names and values (RFC 9110 5.1, 5.5; RFC 9112 5) ---------------------------------

BAD_FIELDS = {
    "space before the colon": b"X-A : v",
    "separator in the name": b"X(A): v",
    "empty name": b": v",
    "non-ASCII name": b"X-\xe9: v",
    "NUL in the value": b"X-A: a\x00b",
    "DEL in the value": b"X-A: a\x7fb",
    "bare CR in the value": b"X-A: a\rb",
    "line without a colon": b"X-A v",
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("line", BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_an_invalid_field_line_is_refused_with_400(server: Running, line: bytes, way: str) -> None:
    assert refused(server, with_field(line), way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_obs_text_and_tabs_in_a_value_reach_the_app(server: Running, way: str) -> None:
    scope = scope_of(server, with_field(b"X-A: caf\xe9\tna\xefve"), way)
    assert ["x-a", "caf\xe9\tna\xefve"] in scope["headers"]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("fold", [b" ", b"\t"])
def test_obs_fold_is_refused_with_400(server: Running, fold: bytes, way: str) -> None:
    # RFC 9112 5.2: a server MUST reject obs-fold in a request (or replace it by SP).
    assert refused(server, with_field(b"X-A: one\r\n" + fold + b"two"), way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_whitespace_before_the_first_field_line_is_refused(server: Running, way: str) -> None:
    raw = b"GET / HTTP/1.1\r\n Host: x\r\n\r\n"  # RFC 9112 2.2: reject (or skip) such lines
    assert refused(server, raw, way) == 400


# -- Content-Length and Transfer-Encoding (RFC 9112 6) --------------------------------------

BAD_FRAMING = {
    "Content-Length list of equal values": b"Content-Length: 5, 5\r\n\r\nhello",
    "Content-Length list of different values": b"Content-Length: 5, 6\r\n\r\nhello",
    "two equal Content-Length lines": b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "signed Content-Length": b"Content-Length: +5\r\n\r\nhello",
    "Content-Length past 64 bits": b"Content-Length: 99999999999999999999999\r\n\r\nhello",
    "Content-Length and Transfer-Encoding": (
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "chunked not last": b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
    "no chunked": b"Transfer-Encoding: gzip\r\n\r\nhello",
    "identity": b"Transfer-Encoding: identity\r\n\r\nhello",
    "chunked twice": b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("rest", BAD_FRAMING.values(), ids=BAD_FRAMING.keys())
def test_framing_that_cant_be_trusted_is_refused_with_400(
    server: Running, rest: bytes, way: str
) -> None:
    assert refused(server, HEAD + rest, way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_a_coding_before_chunked_is_not_implemented(server: Running, way: str) -> None:
    raw = HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"  # RFC 9112 6.1: 501
    assert refused(server, raw, way) == 501


@pytest.mark.parametrize("way", WAYS)
def test_transfer_encoding_in_http_1_0_is_faulty_framing(server: Running, way: str) -> None:
    raw = b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    assert refused(server, raw, way) == 400  # RFC 9112 6.1


# -- Chunks, extensions and trailers (RFC 9112 7.1) -----------------------------------------

CHUNKED = HEAD + b"Transfer-Encoding: chunked\r\n\r\n"
BAD_CHUNKS = {
    "size past 64 bits": b"1ffffffffffffffff\r\nabc\r\n0\r\n\r\n",
    "space before the size": b" 3\r\nabc\r\n0\r\n\r\n",
    "junk after the size": b"3x\r\nabc\r\n0\r\n\r\n",
    "0x prefix": b"0x3\r\nabc\r\n0\r\n\r\n",
    "negative size": b"-3\r\nabc\r\n0\r\n\r\n",
    "data longer than the size": b"3\r\nabcd\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("body", BAD_CHUNKS.values(), ids=BAD_CHUNKS.keys())
def test_an_invalid_chunk_is_refused_with_400(server: Running, body: bytes, way: str) -> None:
    assert refused(server, CHUNKED + body, way) == 400


def test_chunk_extensions_are_skipped(echo_server: Running) -> None:
    body = b'3;name=value;quoted="a b"\r\nabc\r\n2;x\r\nde\r\n0;last\r\n\r\n'
    assert ask(echo_server, CHUNKED + body, "whole").body == b"abcde"


def test_many_tiny_chunks_are_served(echo_server: Running) -> None:
    with connect(echo_server) as sock:
        sender = PieceSender(echo_server, sock)
        sender.send(CHUNKED)
        for _ in range(8):
            sender.send(b"1\r\nx\r\n" * 1000)
        sender.send(b"0\r\n\r\n")
        assert read_response(sock).body == b"x" * 8000


def test_endless_chunk_extensions_are_refused(echo_server: Running) -> None:
    with connect(echo_server) as sock:
        sender = PieceSender(echo_server, sock)
        sender.send(CHUNKED + b"3;ext=")
        for _ in range(40):  # the server drains what comes after its answer (lingering close)
            sender.send(b"e" * 1024)
        response = read_response(sock)
    assert response.status == 400
    assert response.headers["connection"] == "close"
    assert b"extensions" in response.body


def test_trailer_fields_are_dropped_and_never_reach_the_next_request(server: Running) -> None:
    # Found here: llhttp reports trailers through on_header, which used to add them to the
    # next pipelined request's headers (a header smuggled past the first request).
    raw = CHUNKED + b"3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n"
    with connect(server) as sock:
        sock.sendall(raw)
        first = json.loads(read_response(sock).body)
        second = json.loads(read_response(sock).body)
    assert second["path"] == "/next"
    for scope in (first, second):
        assert "x-trailer" not in [name for name, _ in scope["headers"]]


def test_a_trailer_section_over_the_header_limits_is_refused_with_431(server: Running) -> None:
    trailers = b"".join(b"X-T%d: %s\r\n" % (i, b"v" * 1000) for i in range(20))
    assert refused(server, CHUNKED + b"3\r\nabc\r\n0\r\n" + trailers + b"\r\n", "whole") == 431


# -- Connection (RFC 9112 9.3, 9.6; RFC 9110 7.6.1) ------------------------------------------


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    "field",
    [b"Connection: close", b"Connection: X-Hop, close", b"Connection: X-Hop\r\nConnection: close"],
)
def test_close_among_connection_options_ends_the_connection(
    server: Running, field: bytes, way: str
) -> None:
    raw = with_field(field) + b"GET /never HTTP/1.1\r\nHost: x\r\n\r\n"
    response = ask(server, raw, way)
    assert response.headers["connection"] == "close"
    assert json.loads(response.body)["path"] == "/"


@pytest.mark.parametrize("way", WAYS)
def test_http_1_0_keep_alive_is_honoured_and_close_is_the_default(
    server: Running, way: str
) -> None:
    kept = ask(server, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", way)
    assert kept.headers["connection"] == "keep-alive"
    closed = ask(server, b"GET / HTTP/1.0\r\n\r\n", way)
    assert closed.headers["connection"] == "close"


@pytest.mark.parametrize("way", WAYS)
def test_fields_named_in_connection_reach_the_app(server: Running, way: str) -> None:
    # An origin server is the last hop: hop-by-hop fields are its to read (RFC 9110 7.6.1).
    scope = scope_of(server, with_field(b"Connection: keep-alive, X-Hop\r\nX-Hop: 1"), way)
    assert ["x-hop", "1"] in scope["headers"]


# -- Expect (RFC 9110 10.1.1) ----------------------------------------------------------------


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("expectation", [b"200-ok", b"100-continue, 200-ok", b"something"])
def test_an_unknown_expectation_is_refused_with_417(
    server: Running, expectation: bytes, way: str
) -> None:
    raw = HEAD + b"Expect: " + expectation + b"\r\nContent-Length: 3\r\n\r\nabc"
    assert refused(server, raw, way) == 417


@pytest.mark.parametrize("way", WAYS)
def test_100_continue_is_matched_without_regard_to_case(echo_server: Running, way: str) -> None:
    raw = HEAD + b"Expect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc"
    assert ask(echo_server, raw, way).body == b"abc"
