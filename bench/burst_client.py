"""A burst of new connections opened at once, one request on each, timed to the first byte.

One thread, non-blocking sockets on an epoll selector: every connection is started (connect,
then the request as soon as it is connected; the TLS handshake first over TLS) before any
answer is read, as HttpArena-style loads open 512-4,096 connections together.  Each
exchange records when its connect started, when the first byte of its response came (for
HTTP/2, the first frame of stream 1: the server's SETTINGS come before it) and the response's
body.  Connections stay open until the whole burst is answered or ``limit`` seconds passed, so
every worker holds what it took.  Used by ``bench/accept_burst.py`` and the workers' tests.
"""

from __future__ import annotations

import enum
import selectors
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field
from typing import Final, Protocol

H2_PREFACE: Final = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
END_STREAM: Final = 0x1
GOAWAY: Final = 0x7
RST_STREAM: Final = 0x3


def h2_frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    head = struct.pack(">I", len(payload))[1:] + bytes((kind, flags)) + struct.pack(">I", stream)
    return head + payload


def h2_get_root() -> bytes:
    """Preface, empty SETTINGS, and GET / on stream 1 (HPACK: static :method GET, :scheme
    http, :path /, then :authority "x" as a literal with an indexed name)."""
    block = bytes((0x82, 0x86, 0x84, 0x41, 0x01)) + b"x"
    settings = h2_frame(0x4, 0, 0, b"")
    headers = h2_frame(0x1, 0x4 | END_STREAM, 1, block)
    return H2_PREFACE + settings + headers


class Wire(Protocol):
    """One request and how to read its response, for a protocol."""

    request: bytes

    def first_byte(self, received: bytes) -> bool: ...

    def complete(self, received: bytes) -> bool: ...

    def body(self, received: bytes) -> bytes: ...


class Http1:
    request = b"GET / HTTP/1.1\r\nhost: x\r\n\r\n"

    def first_byte(self, received: bytes) -> bool:
        return bool(received)

    def complete(self, received: bytes) -> bool:
        head, sep, body = received.partition(b"\r\n\r\n")
        return bool(sep) and len(body) >= content_length(head)

    def body(self, received: bytes) -> bytes:
        return received.partition(b"\r\n\r\n")[2]


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


class H2c:
    request = h2_get_root()

    def first_byte(self, received: bytes) -> bool:
        return any(stream == 1 for _, _, stream, _ in h2_frames(received))

    def complete(self, received: bytes) -> bool:
        for kind, flags, stream, _ in h2_frames(received):
            if kind in (GOAWAY, RST_STREAM):
                raise ConnectionError(f"HTTP/2 frame type {kind} instead of an answer")
            if stream == 1 and flags & END_STREAM:
                return True
        return False

    def body(self, received: bytes) -> bytes:
        frames = h2_frames(received)
        return b"".join(payload for kind, _, stream, payload in frames if kind == 0 and stream == 1)


def h2_frames(received: bytes) -> list[tuple[int, int, int, bytes]]:
    """The complete frames in ``received``: (type, flags, stream, payload)."""
    frames = []
    at = len(H2_PREFACE) if received.startswith(H2_PREFACE) else 0
    while at + 9 <= len(received):
        length = int.from_bytes(received[at : at + 3], "big")
        if at + 9 + length > len(received):
            break
        kind, flags = received[at + 3], received[at + 4]
        stream = int.from_bytes(received[at + 5 : at + 9], "big") & 0x7FFFFFFF
        frames.append((kind, flags, stream, received[at + 9 : at + 9 + length]))
        at += 9 + length
    return frames


class Stage(enum.Enum):
    CONNECTING = 1
    HANDSHAKE = 2
    READING = 3
    DONE = 4
    FAILED = 5


@dataclass
class Exchange:
    sock: socket.socket
    started: float
    stage: Stage = Stage.CONNECTING
    first_byte_at: float | None = None
    received: bytearray = field(default_factory=bytearray)
    error: str = ""

    @property
    def time_to_first_byte(self) -> float | None:
        return None if self.first_byte_at is None else self.first_byte_at - self.started


class Burst:
    """``count`` connections to ``port`` on 127.0.0.1, all started before any is read."""

    def __init__(
        self, port: int, count: int, wire: Wire, tls: ssl.SSLContext | None = None
    ) -> None:
        self.address = ("127.0.0.1", port)
        self.count = count
        self.wire = wire
        self.tls = tls
        self.selector = selectors.DefaultSelector()
        self.exchanges: list[Exchange] = []
        self.pending = 0

    def run(self, limit: float) -> list[Exchange]:
        """Open, ask, read until every exchange is done or failed, or ``limit`` seconds."""
        for _ in range(self.count):
            self._open()
        deadline = time.monotonic() + limit
        while self.pending and time.monotonic() < deadline:
            for key, _ in self.selector.select(timeout=0.05):
                self._step(key.data)
        for exchange in self.exchanges:
            if exchange.stage not in (Stage.DONE, Stage.FAILED):
                exchange.stage, exchange.error = Stage.FAILED, f"no answer in {limit} s"
        return self.exchanges

    def close(self) -> None:
        self.selector.close()
        for exchange in self.exchanges:
            exchange.sock.close()

    def _open(self) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        exchange = Exchange(sock, time.monotonic())
        self.exchanges.append(exchange)
        self.pending += 1
        sock.connect_ex(self.address)  # EINPROGRESS: writable once connected
        self.selector.register(sock.fileno(), selectors.EVENT_WRITE, exchange)

    def _step(self, exchange: Exchange) -> None:
        try:
            if exchange.stage is Stage.CONNECTING:
                self._connected(exchange)
            if exchange.stage is Stage.HANDSHAKE:
                self._handshake(exchange)
            elif exchange.stage is Stage.READING:
                self._read(exchange)
        except (OSError, ConnectionError, ValueError) as exc:
            self._finish(exchange, Stage.FAILED, repr(exc))

    def _connected(self, exchange: Exchange) -> None:
        error = exchange.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise ConnectionError(f"connect failed: errno {error}")
        if self.tls is None:
            self._ask(exchange)
            return
        exchange.sock = self.tls.wrap_socket(
            exchange.sock, server_hostname="127.0.0.1", do_handshake_on_connect=False
        )
        exchange.stage = Stage.HANDSHAKE

    def _handshake(self, exchange: Exchange) -> None:
        fd = exchange.sock.fileno()
        try:
            exchange.sock.do_handshake()  # type: ignore[attr-defined]  # an SSLSocket here
        except ssl.SSLWantReadError:
            self.selector.modify(fd, selectors.EVENT_READ, exchange)
            return
        except ssl.SSLWantWriteError:
            self.selector.modify(fd, selectors.EVENT_WRITE, exchange)
            return
        self._ask(exchange)

    def _ask(self, exchange: Exchange) -> None:
        exchange.sock.sendall(self.wire.request)  # small: the socket buffer takes it at once
        exchange.stage = Stage.READING
        self.selector.modify(exchange.sock.fileno(), selectors.EVENT_READ, exchange)

    def _read(self, exchange: Exchange) -> None:
        try:
            data = exchange.sock.recv(65536)
        except (BlockingIOError, ssl.SSLWantReadError):
            return
        if not data:
            raise ConnectionError("closed before the answer")
        exchange.received += data
        received = bytes(exchange.received)
        if exchange.first_byte_at is None and self.wire.first_byte(received):
            exchange.first_byte_at = time.monotonic()
        if self.wire.complete(received):
            self._finish(exchange, Stage.DONE)

    def _finish(self, exchange: Exchange, stage: Stage, error: str = "") -> None:
        exchange.stage, exchange.error = stage, error
        self.pending -= 1
        self.selector.unregister(exchange.sock.fileno())


def burst(
    port: int, count: int, wire: Wire, tls: ssl.SSLContext | None = None, limit: float = 30.0
) -> list[Exchange]:
    """Run one burst; the sockets are closed when it returns."""
    opened = Burst(port, count, wire, tls)
    try:
        return opened.run(limit)
    finally:
        opened.close()
