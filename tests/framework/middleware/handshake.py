"""A WebSocket handshake by hand, for the middleware that refuse or redirect one: any Host
header (a client library sends its own), and the HTTP answer read as it is."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from tests.server.serving import Response, read_response

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def websocket_handshake(url: str, path: str, host: str, *extra: str) -> Response:
    """Open a WebSocket at ``url`` + ``path`` with ``Host: host`` (``extra`` header lines
    added); the server's answer (101, or the refusal) with its headers and body."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {KEY}",
        "Sec-WebSocket-Version: 13",
        *extra,
    ]
    return raw_request(url, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))


def raw_request(url: str, request: bytes) -> Response:
    """Send ``request`` as it is to the server at ``url``; its response."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(request)
        return read_response(sock)
