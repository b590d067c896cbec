"""validate-ws.py's steps for echo-ws, over a raw socket with masked client frames.

Upgrade to /ws (101 and the right Sec-WebSocket-Accept), a text echo, a binary echo of 256 random
bytes, five texts sent back to back and echoed in order, a close (1000 "validate done") answered
by a close, a plain GET /ws that must get a 4xx or a closed connection, then a new connection
echoing "health" and closing cleanly.  No pings or other unsolicited frames are sent.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
from typing import Final

from bench.httparena.checks import Run

GUID: Final = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE = 0x1, 0x2, 0x8
TIMEOUT: Final = 5.0
BLOCK: Final = "echo-ws"
CLOSE_CHECK: Final = "close 1000 answered by close 1000"


class WsError(Exception):
    pass


def accept_for(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame, masked with a random key."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return head + mask + masked


class Connection:
    """A socket with a read buffer: HTTP heads, then WebSocket frames."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def receive(self, size: int) -> bytes:
        while len(self.buffer) < size:
            data = self.sock.recv(65536)
            if not data:
                raise WsError("the server closed the connection")
            self.buffer += data
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def head(self) -> str:
        while b"\r\n\r\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise WsError("the server closed the connection before a full head")
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head.decode("latin-1")

    def read_frame(self) -> tuple[int, bytes]:
        first, second = self.receive(2)
        if second & 0x80:
            raise WsError("the server masked its frame")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.receive(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.receive(8))
        return first & 0x0F, self.receive(length)


def upgrade(run: Run) -> tuple[Connection, str, str]:
    """Open /ws: (connection, status line, Sec-WebSocket-Accept or '')."""
    key = base64.b64encode(os.urandom(16)).decode()
    connection = Connection(run.target.host, run.target.h1)
    connection.sock.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: {run.target.host}:{run.target.h1}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    lines = connection.head().split("\r\n")
    accept = ""
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-accept":
            accept = value.strip()
    return connection, lines[0], "" if accept != accept_for(key) else accept


def echo(run: Run, connection: Connection, name: str, opcode: int, payload: bytes) -> bool:
    connection.sock.sendall(frame(opcode, payload))
    got_opcode, got = connection.read_frame()
    passed = (got_opcode, got) == (opcode, payload)
    run.record.verdict(BLOCK, name, passed, f"opcode {got_opcode}, {got[:40]!r}")
    return passed


def echo_session(run: Run) -> None:
    connection, status, accept = upgrade(run)
    try:
        run.record.verdict(BLOCK, "upgrade: 101", "101" in status, status)
        run.record.verdict(BLOCK, "upgrade: Sec-WebSocket-Accept", bool(accept), "missing or wrong")
        echo(run, connection, "text echo", TEXT, b"hello")
        echo(run, connection, "binary echo of 256 random bytes", BINARY, os.urandom(256))
        texts = [f"message-{index}".encode() for index in range(5)]
        connection.sock.sendall(b"".join(frame(TEXT, text) for text in texts))
        echoed = [connection.read_frame() for _ in texts]
        run.record.verdict(
            BLOCK, "5 back-to-back texts in order", echoed == [(TEXT, text) for text in texts],
            f"got {echoed!r}",
        )  # fmt: skip
        connection.sock.sendall(frame(CLOSE, struct.pack("!H", 1000) + b"validate done"))
        try:
            opcode, payload = connection.read_frame()
        except (WsError, OSError) as error:
            run.record.add(BLOCK, CLOSE_CHECK, "FAIL", str(error))
            return
        code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        run.record.verdict(
            BLOCK, CLOSE_CHECK, (opcode, code) == (CLOSE, 1000),
            f"opcode {opcode}, code {code}",
        )  # fmt: skip
    finally:
        connection.close()


def plain_get(run: Run) -> None:
    """A GET /ws without Upgrade: a 4xx, or the connection closed; never 101 or 5xx."""
    connection = Connection(run.target.host, run.target.h1)
    try:
        connection.sock.sendall(
            f"GET /ws HTTP/1.1\r\nHost: {run.target.host}\r\n"
            "Connection: keep-alive\r\n\r\n".encode()
        )
        try:
            status = connection.head().split("\r\n")[0]
        except (WsError, OSError):
            run.record.add(BLOCK, "plain GET /ws: 4xx or closed", "PASS")
            return
    finally:
        connection.close()
    parts = status.split()
    code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    run.record.verdict(BLOCK, "plain GET /ws: 4xx or closed", 400 <= code <= 499, status)


def health(run: Run) -> None:
    connection, status, _ = upgrade(run)
    try:
        if "101" not in status:
            run.record.add(BLOCK, "new connection: health echo", "FAIL", status)
            return
        echo(run, connection, "new connection: health echo", TEXT, b"health")
        connection.sock.sendall(frame(CLOSE, struct.pack("!H", 1000)))
        opcode, _ = connection.read_frame()
        run.record.verdict(
            BLOCK, "new connection: clean close", opcode == CLOSE, f"opcode {opcode}"
        )
    finally:
        connection.close()


def echo_ws(run: Run) -> None:
    for step in (echo_session, plain_get, health):
        try:
            step(run)
        except (WsError, OSError) as error:
            run.record.add(
                BLOCK, step.__name__.replace("_", " "), "FAIL", str(error) or type(error).__name__
            )
