"""Raw-socket helpers: handshakes and frames written by hand, to send what clients must not."""

from __future__ import annotations

import base64
import os
import socket
import struct

from tests.server.serving import Running, connect

TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10
KEY = base64.b64encode(b"0123456789abcdef").decode()


def handshake_request(path: str = "/", **overrides: str | None) -> bytes:
    headers: dict[str, str | None] = {
        "Host": "localhost",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13",
    }
    method = overrides.pop("method", None) or "GET"
    version = overrides.pop("version", None) or "HTTP/1.1"
    headers.update({name.replace("_", "-"): value for name, value in overrides.items()})
    lines = [f"{method} {path} {version}"]
    lines += [f"{name}: {value}" for name, value in headers.items() if value is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def open_raw(running: Running, path: str = "/") -> socket.socket:
    """A raw socket past a successful handshake (101); frames after it are left unread."""
    sock = connect(running)
    sock.sendall(handshake_request(path))
    sock.settimeout(5)
    head = b""
    while not head.endswith(b"\r\n\r\n"):  # a byte at a time: frames may follow at once
        byte = sock.recv(1)
        if not byte:
            raise ConnectionError(f"closed before the handshake's answer ended: {head!r}")
        head += byte
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True) -> bytes:
    first = (0x80 if fin else 0) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, (0x80 if mask else 0) | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, (0x80 if mask else 0) | 126, length)
    else:
        header = struct.pack("!BBQ", first, (0x80 if mask else 0) | 127, length)
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """One unmasked server frame: its opcode and payload."""
    first, second = _read_exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", _read_exactly(sock, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", _read_exactly(sock, 8))
    return first & 0x0F, _read_exactly(sock, length)


def close_code(payload: bytes) -> int:
    return int(struct.unpack("!H", payload[:2])[0])


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    sock.settimeout(5)
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data
