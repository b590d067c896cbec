"""The native request's ``content_type``: picked out of the head by both parsers."""

from __future__ import annotations

from typing import Any

import pytest

from squall.native import NativeRequest
from tests.server.serving import connect, read_response, serve


class ContentTypeEcho:
    """A native app that answers with the Content-Type the server picked out (and the body)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise AssertionError("the native path must be taken")

    def __squall_native__(self) -> Any:
        async def handle(request: NativeRequest) -> None:
            body = await request.body()
            request.respond(200, [], b"%s|%s" % (request.content_type, body))

        return handle


@pytest.mark.parametrize(
    "head,expected",
    [
        # plain head, read by the compiled scan
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n", b"application/json"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\ncontent-type:  text/plain ; a=b \r\n",
            b"text/plain ; a=b",
        ),
        (b"POST / HTTP/1.1\r\nHost: x\r\n", b""),
    ],
)
def test_the_content_type_reaches_the_native_request(head: bytes, expected: bytes) -> None:
    with serve(ContentTypeEcho(), lifespan="off") as running, connect(running) as sock:
        sock.sendall(head + b"Content-Length: 2\r\n\r\n{}")
        response = read_response(sock)
    assert response.status == 200
    assert response.body == expected + b"|{}"


def test_the_content_type_of_a_chunked_request_comes_from_llhttp() -> None:
    with serve(ContentTypeEcho(), lifespan="off") as running, connect(running) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x+json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        )
        response = read_response(sock)
        connections = list(running.server.state.connections)  # type: ignore[union-attr]
        running_conn = connections[0]
    assert response.status == 200
    assert response.body == b"application/x+json|{}"
    assert running_conn.llhttp_heads == 1 and running_conn.plain_heads == 0
