"""Requests arriving in arbitrary pieces are framed exactly as if they came whole.

Each piece reaches the server in a read of its own (serving.PieceSender), and the
connection's counters tell which parser read each head: a head cut in two is llhttp's.
"""

from __future__ import annotations

import random

import pytest

from tests.server import asgi_apps
from tests.server.serving import PieceSender, Running, connect, read_response, serve

REQUESTS = [
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nX-Long: "
    + b"v" * 300
    + b"\r\n\r\nhello world",
    b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\nT: 1\r\n\r\n",
    b"GET /c?q=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
]
BODIES = [b"hello world", b"abcdefg", b"", b""]
PLAIN = [True, False, True, True]  # which requests the plain-head scan accepts when whole
HEAD_ENDS = [request.index(b"\r\n\r\n") + 4 for request in REQUESTS]


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.echo) as running:
        yield running


@pytest.mark.parametrize("index", range(len(REQUESTS)))
def test_every_split_point_of_a_request(server: Running, index: int) -> None:
    request = REQUESTS[index]
    with connect(server) as sock:
        sender = PieceSender(server, sock)
        conn = sender.conn
        for cut in range(1, len(request), 7):  # one connection, many requests, each cut once
            before = (conn.plain_heads, conn.llhttp_heads)
            sender.send_in_pieces(request, [cut])
            response = read_response(sock)
            assert response.status == 200, cut
            assert response.body == BODIES[index], cut
            # A head cut in two is llhttp's to read; a whole one the plain scan's, if plain.
            plain = PLAIN[index] and cut >= HEAD_ENDS[index]
            after = (conn.plain_heads, conn.llhttp_heads)
            assert after == (before[0] + plain, before[1] + (not plain)), cut


def test_pipelined_requests_cut_at_random_points(server: Running) -> None:
    stream = b"".join(REQUESTS) * 5
    starts = [sum(map(len, REQUESTS[:i])) for i in range(len(REQUESTS))]
    rng = random.Random(20261124)
    for _ in range(10):
        cuts = sorted(rng.sample(range(1, len(stream)), 25))
        with connect(server) as sock:
            sender = PieceSender(server, sock)
            conn = sender.conn
            sender.send_in_pieces(stream, cuts)
            bodies = [read_response(sock).body for _ in range(len(REQUESTS) * 5)]
            assert bodies == BODIES * 5
            assert conn.plain_heads + conn.llhttp_heads == len(REQUESTS) * 5
            # Heads cut in two, and chunked requests, can only have been read by llhttp.
            offsets = [rep * len(stream) // 5 + start for rep in range(5) for start in starts]
            must_be_llhttp = sum(
                1
                for n, offset in enumerate(offsets)
                if not PLAIN[n % len(REQUESTS)]
                or any(offset < cut < offset + HEAD_ENDS[n % len(REQUESTS)] for cut in cuts)
            )
            assert conn.llhttp_heads >= must_be_llhttp
