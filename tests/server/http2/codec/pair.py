"""An ``h2`` client and our codec (H2Core) talking in memory, and raw frames for the cases a
well-behaved client will not produce."""

from __future__ import annotations

import struct
from typing import Any

import hpack
from h2.config import H2Configuration
from h2.connection import H2Connection
from hyperframe.frame import Frame, GoAwayFrame, RstStreamFrame, SettingsFrame

from squall.server.http2.core import H2Core
from squall.server.http2.events import Event

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
GET = [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/baseline?a=1&b=2"),
       (b":authority", b"localhost")]  # fmt: skip
POST = [(b":method", b"POST"), *GET[1:]]


class Pair:
    """The client's bytes go to the server with ``to_server`` (our events back), the server's
    to the client with ``to_client`` (h2's events back)."""

    def __init__(self, client_settings: dict[int, int] | None = None, **options: Any) -> None:
        self.client = H2Connection(H2Configuration(client_side=True, header_encoding=None))
        if client_settings:
            self.client.local_settings.update(client_settings)
        self.server = H2Core(**options)
        self.server.initiate_connection()
        self.client.initiate_connection()
        self.to_server()
        self.to_client()
        self.to_server()  # the client's SETTINGS ACK

    def to_server(self) -> list[Event]:
        return self.server.receive_data(self.client.data_to_send())

    def to_client(self) -> list[Any]:
        return self.client.receive_data(self.server.data_to_send())

    def request(self, headers: list[tuple[bytes, bytes]] = GET, end: bool = True) -> int:
        stream_id: int = self.client.get_next_available_stream_id()
        self.client.send_headers(stream_id, headers, end_stream=end)
        return stream_id


def raw(frame_type: int, flags: int, stream_id: int, payload: bytes) -> bytes:
    """A frame built by hand: any length, any flags."""
    return (
        struct.pack(">I", len(payload))[1:]
        + struct.pack(">BBI", frame_type, flags, stream_id)
        + payload
    )


def block(headers: list[tuple[bytes, bytes]]) -> bytes:
    """A header block from the hpack library (a fresh encoder: no dynamic-table references)."""
    encoder = hpack.Encoder()
    return encoder.encode(headers)  # type: ignore[no-any-return]


def greeted_server(**options: Any) -> H2Core:
    """Our codec after the client preface and an empty SETTINGS; its output drained."""
    server = H2Core(**options)
    server.initiate_connection()
    server.receive_data(PREFACE + SettingsFrame(0).serialize())
    server.data_to_send()
    return server


def frames_of(data: bytes) -> list[Frame]:
    """Parse the server's output with hyperframe."""
    frames = []
    pos = 0
    while pos < len(data):
        frame, length = Frame.parse_frame_header(memoryview(data[pos : pos + 9]))
        frame.parse_body(memoryview(data[pos + 9 : pos + 9 + length]))
        frames.append(frame)
        pos += 9 + length
    return frames


def goaway_code(data: bytes) -> int | None:
    codes = [f.error_code for f in frames_of(data) if isinstance(f, GoAwayFrame)]
    return codes[-1] if codes else None


def resets(data: bytes) -> list[tuple[int, int]]:
    return [(f.stream_id, f.error_code) for f in frames_of(data) if isinstance(f, RstStreamFrame)]
