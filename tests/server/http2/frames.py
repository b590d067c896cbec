"""Frames written by hand on a :class:`RawH2` client's socket, past its h2 state machine: the
malformed and abusive sequences h2 would not send itself."""

from __future__ import annotations

from collections.abc import Iterable

from hyperframe.frame import (
    ContinuationFrame,
    Frame,
    HeadersFrame,
    PingFrame,
)

from tests.server.http2.h2client import RawH2


def request_block(
    client: RawH2, path: str = "/", extra: Iterable[tuple[bytes, bytes]] = ()
) -> bytes:
    """A request's header block, encoded with the client's HPACK state (the server's decoder
    follows it: send every block made)."""
    headers = [
        (b":method", b"GET"),
        (b":scheme", b"http"),
        (b":authority", client.authority),
        (b":path", path.encode()),
        *extra,
    ]
    return bytes(client.h2.encoder.encode(headers))


def headers_frame(stream_id: int, block: bytes, end_headers: bool = True) -> HeadersFrame:
    flags = ["END_STREAM"] + (["END_HEADERS"] if end_headers else [])
    return HeadersFrame(stream_id, data=block, flags=flags)


def continuation(stream_id: int, part: bytes, end_headers: bool = False) -> ContinuationFrame:
    return ContinuationFrame(stream_id, data=part, flags=["END_HEADERS"] if end_headers else [])


def ping(number: int) -> PingFrame:
    return PingFrame(0, opaque_data=number.to_bytes(8, "big"))


def send_frames(client: RawH2, frames: Iterable[Frame]) -> bool:
    """Write the frames at once; False if the server had closed the connection already."""
    try:
        client.sock.sendall(b"".join(frame.serialize() for frame in frames))
    except OSError:  # reset or broken pipe: the server has gone
        return False
    return True


def next_stream(client: RawH2) -> int:
    """A stream id the client's h2 state has not used: the frames bypass it."""
    stream_id = client.h2.get_next_available_stream_id()
    client.h2.highest_outbound_stream_id = stream_id
    return stream_id
