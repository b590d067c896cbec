"""validate.sh's TCP-fragmentation cases: a request written in pieces over a raw socket.

``TCP_NODELAY`` and a 30 ms gap between writes, so each piece leaves as its own segment; every
request sends ``Connection: close``.  The answer is read to EOF (or a 5 s timeout), then decoded
by its ``Transfer-Encoding: chunked`` or ``Content-Length`` and stripped.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Sequence
from typing import Final

GAP: Final = 0.030
GET_LINE: Final = b"GET /baseline11?a=13&b=42 HTTP/1.1\r\n"
READ_TIMEOUT: Final = 5.0


def send_pieces(host: str, port: int, pieces: Sequence[bytes]) -> bytes:
    """Write ``pieces`` 30 ms apart, then read everything until the server closes."""
    with socket.create_connection((host, port), timeout=READ_TIMEOUT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with contextlib.suppress(OSError):  # the server answered and closed before the end
            for index, piece in enumerate(pieces):
                if index:
                    time.sleep(GAP)
                sock.sendall(piece)
        return read_to_eof(sock)


def read_to_eof(sock: socket.socket) -> bytes:
    received = bytearray()
    deadline = time.monotonic() + READ_TIMEOUT
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except (TimeoutError, ConnectionError):
            break
        if not data:
            break
        received += data
    return bytes(received)


def dechunk(data: bytes) -> bytes:
    body = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        body += data[:size]
        data = data[size + 2 :]
    return bytes(body)


def response_body(raw: bytes) -> str:
    """The body of an HTTP/1.1 response, decoded by its framing and stripped."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        rest = dechunk(rest)
    elif b"content-length" in fields:
        rest = rest[: int(fields[b"content-length"])]
    return rest.decode("utf-8", "replace").strip()


def fragment_cases(host: str) -> list[tuple[str, list[bytes], str]]:
    """The four cases: (name, pieces, expected body)."""
    host_line = f"Host: {host}\r\n".encode()
    get_rest = b"ne11?a=13&b=42 HTTP/1.1\r\n" + host_line + b"Connection: close\r\n\r\n"
    post_head = (
        b"POST /baseline11?a=13&b=42 HTTP/1.1\r\n" + host_line
        + b"Content-Length: 2\r\nConnection: close\r\n\r\n"
    )  # fmt: skip
    return [
        ("request line split", [b"GET /baseli", get_rest], "55"),
        (
            "each header its own write",
            [
                b"GET /baseline11?a=13&b=42 HTTP/1.1\r\n",
                host_line,
                b"Connection: close\r\n",
                b"\r\n",
            ],
            "55",
        ),
        ("POST body in its own write", [post_head, b"20"], "75"),
        ("POST body split in two", [post_head, b"2", b"0"], "75"),
    ]
