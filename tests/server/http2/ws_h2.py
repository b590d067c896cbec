"""A raw RFC 8441 client for the tests: extended CONNECT over RawH2 (h2client.py), then
WebSocket frames written by hand (tests/server/websocket/raw.py's ``frame``) in DATA frames,
and the server's frames read back out of the stream's DATA."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from tests.server.http2.h2client import RawH2
from tests.server.serving import Running
from tests.server.websocket.raw import frame

ENABLE_CONNECT_PROTOCOL = 8  # the setting (RFC 8441, 3)
CODECS = ("squall", "h2")


@pytest.fixture(params=CODECS)
def codec(request: pytest.FixtureRequest) -> str:
    """The HTTP/2 codec the server runs on (``--h2-codec``): ours (core.py) or the h2 library."""
    return str(request.param)


class WsH2(RawH2):
    """RawH2 with WebSocket streams: ``open_ws`` sends the extended CONNECT."""

    def __init__(self, running: Running, **options: Any) -> None:
        super().__init__(running, **options)
        self.taken: dict[int, int] = {}  # per stream: DATA bytes already parsed into frames
        self.read(lambda: bool(self.remote_settings))  # the server's SETTINGS came

    def open_ws(
        self,
        path: str = "/ws",
        protocol: bytes = b"websocket",
        extra: list[tuple[bytes, bytes]] | None = None,
        version: bytes = b"13",
    ) -> int:
        fields = [(b":protocol", protocol), (b"sec-websocket-version", version), *(extra or ())]
        return self.request(path, method="CONNECT", end=False, extra=fields)

    def accepted(self, stream_id: int) -> int:
        """The status answering the CONNECT (200: the WebSocket is open)."""
        self.read(lambda: bool(self.streams[stream_id].headers) or self.done(stream_id))
        log = self.streams[stream_id]
        return log.status if log.headers else 0

    def send_frame(self, stream_id: int, opcode: int, payload: bytes, fin: bool = True) -> None:
        """One WebSocket frame, in DATA frames of the peer's maximum size."""
        data = frame(opcode, payload, fin=fin)
        size = self.h2.max_outbound_frame_size
        for start in range(0, len(data), size):
            self.h2.send_data(stream_id, data[start : start + size])
        self.flush()

    def next_frame(self, stream_id: int) -> tuple[int, bytes]:
        """The server's next WebSocket frame on the stream (its first byte: FIN, RSV, opcode)."""
        parsed: tuple[int, bytes, int] | None = None

        def parse() -> bool:
            nonlocal parsed
            parsed = parse_frame(bytes(self.streams[stream_id].data), self.taken.get(stream_id, 0))
            return parsed is not None

        self.read(parse)
        assert parsed is not None
        first, payload, end = parsed
        self.taken[stream_id] = end
        return first, payload

    def ended(self, stream_id: int) -> bool:
        self.read(lambda: self.done(stream_id))
        return self.streams[stream_id].ended


def parse_frame(data: bytes, pos: int) -> tuple[int, bytes, int] | None:
    """An unmasked frame at ``pos``: (its first byte, payload, end), or None if partial."""
    if len(data) < pos + 2:
        return None
    first, second = data[pos], data[pos + 1]
    length, pos = second & 0x7F, pos + 2
    if length >= 126:
        size = 2 if length == 126 else 8
        if len(data) < pos + size:
            return None
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    if len(data) < pos + length:
        return None
    return first, data[pos : pos + length], pos + length


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode()
