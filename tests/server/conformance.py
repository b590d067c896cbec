"""Helpers for the conformance tests (docs/conformance.md): one request, both parser paths.

``whole``: the request in one send, so the plain-head scan (http11/plain.py) reads its head
if it is plain.  ``in pieces``: the head's last line end comes in a read of its own, so the
head is unfinished at first and llhttp reads it, whatever it holds.  A rule holds when both
ways answer alike.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from tests.server.serving import (
    PieceSender,
    Response,
    Running,
    connect,
    read_response,
    read_until_closed,
)

WAYS = ("whole", "in pieces")


def _send(running: Running, sock: Any, raw: bytes, way: str) -> None:
    if way == "whole":
        sock.sendall(raw)
        return
    end = raw.find(b"\r\n\r\n")
    cut = end + 2 if end > 0 else max(1, len(raw) // 2)
    with contextlib.suppress(ConnectionError):  # the server may refuse the first piece
        PieceSender(running, sock).send_in_pieces(raw, [cut])


def ask(running: Running, raw: bytes, way: str) -> Response:
    """The response to ``raw`` sent one ``way``; the connection may stay open."""
    with connect(running) as sock:
        _send(running, sock, raw, way)
        return read_response(sock)


def scope_of(running: Running, raw: bytes, way: str) -> dict[str, Any]:
    """The scope the app saw (the server runs ``asgi_apps.scope_json``)."""
    response = ask(running, raw, way)
    assert response.status == 200, response
    scope: dict[str, Any] = json.loads(response.body)
    return scope


def refused(running: Running, raw: bytes, way: str) -> int:
    """The status ``raw`` is refused with; fails unless the server then closes."""
    with connect(running) as sock:
        _send(running, sock, raw, way)
        answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 "), answer[:100]
    assert b"\r\nconnection: close\r\n" in answer.partition(b"\r\n\r\n")[0] + b"\r\n"
    return int(answer[9:12])
