"""Requests arriving in arbitrary pieces are framed exactly as if they came whole."""

from __future__ import annotations

import random
import socket
import time

import pytest

from tests.server import asgi_apps
from tests.server.serving import Running, connect, read_response, serve

REQUESTS = [
    b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nX-Long: " + b"v" * 300 + b"\r\n\r\nhello world",
    b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\nT: 1\r\n\r\n",
    b"GET /c?q=1 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
]
BODIES = [b"hello world", b"abcdefg", b"", b""]


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.echo) as running:
        yield running


def send_in_pieces(sock: socket.socket, data: bytes, cuts: list[int], pause: float = 0.002) -> None:
    """Send ``data`` cut at ``cuts``, pausing so each piece reaches the server on its own."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = 0
    for cut in [*cuts, len(data)]:
        if cut > start:
            sock.sendall(data[start:cut])
            start = cut
            time.sleep(pause)


@pytest.mark.parametrize("index", range(len(REQUESTS)))
def test_every_split_point_of_a_request(server: Running, index: int) -> None:
    request = REQUESTS[index]
    with connect(server) as sock:
        for cut in range(1, len(request), 7):  # one connection, many requests, each cut once
            send_in_pieces(sock, request, [cut])
            response = read_response(sock)
            assert response.status == 200, cut
            assert response.body == BODIES[index], cut


def test_pipelined_requests_cut_at_random_points(server: Running) -> None:
    stream = b"".join(REQUESTS) * 5
    rng = random.Random(20261124)
    for _ in range(10):
        cuts = sorted(rng.sample(range(1, len(stream)), 25))
        with connect(server) as sock:
            send_in_pieces(sock, stream, cuts, pause=0.001)
            bodies = [read_response(sock).body for _ in range(len(REQUESTS) * 5)]
        assert bodies == BODIES * 5
