"""HTTP/2 frames (RFC 9113, 4 and 6): the 9-byte header, each type's payload, both ways.

Parsing checks what a payload alone can break (lengths, padding) and raises FrameError; the
rules that need the connection's state (stream ids, frame size, CONTINUATION order) are
core.py's.
"""

from __future__ import annotations

from typing import Final

from squall.server.http2.errors import FRAME_SIZE_ERROR, PROTOCOL_ERROR, FrameError

HEADER_SIZE: Final = 9
PREFACE: Final = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"  # the client's first bytes (3.4)

DATA: Final = 0x0
HEADERS: Final = 0x1
PRIORITY: Final = 0x2
RST_STREAM: Final = 0x3
SETTINGS: Final = 0x4
PUSH_PROMISE: Final = 0x5
PING: Final = 0x6
GOAWAY: Final = 0x7
WINDOW_UPDATE: Final = 0x8
CONTINUATION: Final = 0x9

END_STREAM: Final = 0x1
ACK: Final = 0x1
END_HEADERS: Final = 0x4
PADDED: Final = 0x8
PRIORITY_FLAG: Final = 0x20

HEADER_TABLE_SIZE: Final = 0x1
ENABLE_PUSH: Final = 0x2
MAX_CONCURRENT_STREAMS: Final = 0x3
INITIAL_WINDOW_SIZE: Final = 0x4
MAX_FRAME_SIZE: Final = 0x5
MAX_HEADER_LIST_SIZE: Final = 0x6
ENABLE_CONNECT_PROTOCOL: Final = 0x8

MAX_WINDOW: Final = 2**31 - 1
MIN_MAX_FRAME_SIZE: Final = 16384
MAX_MAX_FRAME_SIZE: Final = 2**24 - 1

# -- Reading ----------------------------------------------------------------------------------


def read_header(data: bytes, pos: int) -> tuple[int, int, int, int]:
    """(length, type, flags, stream id) of the frame header at ``data[pos:pos + 9]``; the
    reserved bit is ignored (4.1)."""
    length = (data[pos] << 16) | (data[pos + 1] << 8) | data[pos + 2]
    stream_id = (
        ((data[pos + 5] & 127) << 24) | (data[pos + 6] << 16) | (data[pos + 7] << 8) | data[pos + 8]
    )
    return length, data[pos + 3], data[pos + 4], stream_id


def unpad(flags: int, payload: bytes) -> bytes:
    """The payload without its padding (6.1): PROTOCOL_ERROR if the padding is too long."""
    if not flags & PADDED:
        return payload
    if not payload:
        raise FrameError(FRAME_SIZE_ERROR, "padded frame without its pad length")
    pad = payload[0]
    if pad >= len(payload):
        raise FrameError(PROTOCOL_ERROR, "padding as long as the payload")
    return payload[1 : len(payload) - pad]


def read_u31(payload: bytes, pos: int) -> int:
    return (
        ((payload[pos] & 127) << 24)
        | (payload[pos + 1] << 16)
        | (payload[pos + 2] << 8)
        | payload[pos + 3]
    )


def read_u32(payload: bytes, pos: int) -> int:
    return (
        (payload[pos] << 24) | (payload[pos + 1] << 16) | (payload[pos + 2] << 8) | payload[pos + 3]
    )


def parse_priority(payload: bytes) -> tuple[bool, int, int]:
    """(exclusive, stream dependency, weight 1-256) of PRIORITY's payload, or HEADERS' with
    the PRIORITY flag (6.3; the scheme itself is deprecated, the fields remain)."""
    if len(payload) < 5:
        raise FrameError(FRAME_SIZE_ERROR, "priority fields cut short")
    return (payload[0] & 128) != 0, read_u31(payload, 0), payload[4] + 1


def headers_block(flags: int, payload: bytes) -> bytes:
    """The header block fragment of a HEADERS frame: padding and priority fields removed."""
    payload = unpad(flags, payload)
    if flags & PRIORITY_FLAG:
        parse_priority(payload)
        return payload[5:]
    return payload


def parse_settings(payload: bytes) -> list[tuple[int, int]]:
    if len(payload) % 6:
        raise FrameError(FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6")
    return [
        ((payload[pos] << 8) | payload[pos + 1], read_u32(payload, pos + 2))
        for pos in range(0, len(payload), 6)
    ]


def parse_u32_payload(payload: bytes) -> int:
    """RST_STREAM's error code (6.4)."""
    if len(payload) != 4:
        raise FrameError(FRAME_SIZE_ERROR, "RST_STREAM payload not 4 bytes")
    return read_u32(payload, 0)


def parse_window_update(payload: bytes) -> int:
    if len(payload) != 4:
        raise FrameError(FRAME_SIZE_ERROR, "WINDOW_UPDATE payload not 4 bytes")
    return read_u31(payload, 0)


def parse_goaway(payload: bytes) -> tuple[int, int, bytes]:
    """(last stream id, error code, debug data)."""
    if len(payload) < 8:
        raise FrameError(FRAME_SIZE_ERROR, "GOAWAY payload under 8 bytes")
    return read_u31(payload, 0), read_u32(payload, 4), payload[8:]


# -- Writing ----------------------------------------------------------------------------------


def frame_header(length: int, frame_type: int, flags: int, stream_id: int) -> bytes:
    return ((length << 48) | (frame_type << 40) | (flags << 32) | stream_id).to_bytes(9, "big")


def data_frame(stream_id: int, data: bytes, end_stream: bool) -> bytes:
    return frame_header(len(data), DATA, END_STREAM if end_stream else 0, stream_id) + data


def headers_frames(stream_id: int, block: bytes, end_stream: bool, max_frame: int) -> bytes:
    """HEADERS, then CONTINUATION frames if the block is larger than ``max_frame``."""
    flags = END_STREAM if end_stream else 0
    if len(block) <= max_frame:
        return frame_header(len(block), HEADERS, flags | END_HEADERS, stream_id) + block
    out = bytearray(frame_header(max_frame, HEADERS, flags, stream_id))
    out += block[:max_frame]
    pos = max_frame
    while pos < len(block):
        part = block[pos : pos + max_frame]
        pos += len(part)
        last = END_HEADERS if pos >= len(block) else 0
        out += frame_header(len(part), CONTINUATION, last, stream_id)
        out += part
    return bytes(out)


def settings_frame(settings: list[tuple[int, int]]) -> bytes:
    payload = b"".join(((setting << 32) | value).to_bytes(6, "big") for setting, value in settings)
    return frame_header(len(payload), SETTINGS, 0, 0) + payload


def settings_ack() -> bytes:
    return frame_header(0, SETTINGS, ACK, 0)


def ping_frame(data: bytes, ack: bool) -> bytes:
    return frame_header(8, PING, ACK if ack else 0, 0) + data


def goaway_frame(last_stream_id: int, error_code: int, debug: bytes = b"") -> bytes:
    payload = ((last_stream_id << 32) | error_code).to_bytes(8, "big") + debug
    return frame_header(len(payload), GOAWAY, 0, 0) + payload


def rst_stream_frame(stream_id: int, error_code: int) -> bytes:
    return frame_header(4, RST_STREAM, 0, stream_id) + error_code.to_bytes(4, "big")


def window_update_frame(stream_id: int, increment: int) -> bytes:
    return frame_header(4, WINDOW_UPDATE, 0, stream_id) + increment.to_bytes(4, "big")


def priority_frame(stream_id: int, depends_on: int, weight: int, exclusive: bool) -> bytes:
    dependency = depends_on | (1 << 31 if exclusive else 0)
    payload = ((dependency << 8) | (weight - 1)).to_bytes(5, "big")
    return frame_header(5, PRIORITY, 0, stream_id) + payload
