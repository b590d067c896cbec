"""Our frames (squall/server/http2/frames.py) against hyperframe's, both ways: what we write
hyperframe parses to the same fields; what hyperframe writes our readers take apart alike."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

from typing import Any  # noqa: E402

import pytest  # noqa: E402
from hyperframe import frame as hf  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from squall.server.http2 import frames as f  # noqa: E402
from squall.server.http2.errors import FRAME_SIZE_ERROR, PROTOCOL_ERROR, FrameError  # noqa: E402

stream_ids = st.integers(min_value=1, max_value=2**31 - 1)
u31 = st.integers(min_value=0, max_value=2**31 - 1)
u32 = st.integers(min_value=0, max_value=2**32 - 1)


def theirs(data: bytes) -> Any:  # hyperframe's frames: fields by type
    frame, length = hf.Frame.parse_frame_header(memoryview(data[:9]))
    frame.parse_body(memoryview(data[9 : 9 + length]))
    assert len(data) == 9 + length
    return frame


def ours(data: bytes) -> tuple[int, int, int, bytes]:
    length, frame_type, flags, stream_id = f.read_header(data, 0)
    assert len(data) == 9 + length
    return frame_type, flags, stream_id, data[9:]


@settings(max_examples=60, deadline=None)
@given(stream_ids, st.binary(max_size=100), st.booleans())
def test_data(stream_id: int, data: bytes, end: bool) -> None:
    frame = theirs(f.data_frame(stream_id, data, end))
    assert isinstance(frame, hf.DataFrame)
    assert (frame.stream_id, frame.data, "END_STREAM" in frame.flags) == (stream_id, data, end)


@settings(max_examples=60, deadline=None)
@given(stream_ids, st.binary(max_size=100), st.integers(min_value=0, max_value=255))
def test_padded_data_from_hyperframe(stream_id: int, data: bytes, pad: int) -> None:
    frame = hf.DataFrame(stream_id, data, flags=["PADDED", "END_STREAM"], pad_length=pad)
    frame_type, flags, read_id, payload = ours(frame.serialize())
    assert (frame_type, read_id) == (f.DATA, stream_id)
    assert flags & f.END_STREAM
    assert f.unpad(flags, payload) == data


@settings(max_examples=60, deadline=None)
@given(stream_ids, st.binary(max_size=40_000), st.booleans())
def test_headers_split_into_continuations(stream_id: int, block: bytes, end: bool) -> None:
    data = f.headers_frames(stream_id, block, end, 16384)
    pos = 0
    parts = []
    while pos < len(data):
        length = f.read_header(data, pos)[0]
        frame = theirs(data[pos : pos + 9 + length])
        assert frame.stream_id == stream_id
        assert isinstance(frame, hf.HeadersFrame if pos == 0 else hf.ContinuationFrame)
        assert len(frame.data) <= 16384
        parts.append((frame.data, "END_HEADERS" in frame.flags))
        pos += 9 + length
    assert b"".join(p for p, _ in parts) == block
    assert [last for _, last in parts] == [False] * (len(parts) - 1) + [True]
    assert ("END_STREAM" in theirs(data[: 9 + f.read_header(data, 0)[0]]).flags) == end


@settings(max_examples=40, deadline=None)
@given(stream_ids, u31, st.integers(min_value=1, max_value=256), st.booleans(), st.binary())
def test_headers_with_priority_from_hyperframe(
    stream_id: int, depends_on: int, weight: int, exclusive: bool, block: bytes
) -> None:
    frame = hf.HeadersFrame(
        stream_id, block, flags=["PRIORITY", "END_HEADERS", "PADDED"], pad_length=3
    )
    frame.depends_on, frame.stream_weight, frame.exclusive = depends_on, weight - 1, exclusive
    _, flags, _, payload = ours(frame.serialize())
    assert f.headers_block(flags, payload) == block
    assert f.parse_priority(f.unpad(flags, payload)) == (exclusive, depends_on, weight)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=1, max_value=6), u32), max_size=8))
def test_settings_both_ways(settings_list: list[tuple[int, int]]) -> None:
    frame = theirs(f.settings_frame(settings_list))
    assert isinstance(frame, hf.SettingsFrame)
    assert frame.settings == dict(settings_list)
    mine = hf.SettingsFrame(0, settings=dict(settings_list))
    assert f.parse_settings(ours(mine.serialize())[3]) == list(dict(settings_list).items())


@settings(max_examples=60, deadline=None)
@given(u31, u32, st.binary(max_size=50), stream_ids, st.integers(min_value=1, max_value=2**31 - 1))
def test_control_frames_both_ways(
    last: int, code: int, debug: bytes, stream_id: int, increment: int
) -> None:
    goaway = theirs(f.goaway_frame(last, code, debug))
    assert (goaway.last_stream_id, goaway.error_code, goaway.additional_data) == (
        last,
        code,
        debug,
    )
    theirs_goaway = hf.GoAwayFrame(0, last_stream_id=last, error_code=code, additional_data=debug)
    assert f.parse_goaway(ours(theirs_goaway.serialize())[3]) == (last, code, debug)
    rst = theirs(f.rst_stream_frame(stream_id, code))
    assert (rst.stream_id, rst.error_code) == (stream_id, code)
    assert f.parse_u32_payload(ours(hf.RstStreamFrame(stream_id, code).serialize())[3]) == code
    update = theirs(f.window_update_frame(stream_id, increment))
    assert (update.stream_id, update.window_increment) == (stream_id, increment)
    window = hf.WindowUpdateFrame(stream_id, window_increment=increment)
    assert f.parse_window_update(ours(window.serialize())[3]) == increment


def test_ping_priority_and_settings_ack() -> None:
    ping = theirs(f.ping_frame(b"12345678", ack=True))
    assert (ping.opaque_data, ping.flags) == (b"12345678", {"ACK"})
    assert theirs(f.settings_ack()).flags == {"ACK"}
    priority = theirs(f.priority_frame(5, 3, 256, exclusive=True))
    assert (priority.depends_on, priority.stream_weight, priority.exclusive) == (3, 255, True)


def test_reserved_bit_is_ignored() -> None:
    header = bytes.fromhex("000000000080000003")
    assert f.read_header(header, 0) == (0, f.DATA, 0, 3)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: f.unpad(f.PADDED, b""), FRAME_SIZE_ERROR),
        (lambda: f.unpad(f.PADDED, b"\x03ab"), PROTOCOL_ERROR),
        (lambda: f.parse_settings(b"\x00\x01\x00\x00\x00"), FRAME_SIZE_ERROR),
        (lambda: f.parse_window_update(b"\x00\x00\x01"), FRAME_SIZE_ERROR),
        (lambda: f.parse_u32_payload(b"\x00" * 5), FRAME_SIZE_ERROR),
        (lambda: f.parse_goaway(b"\x00" * 7), FRAME_SIZE_ERROR),
        (lambda: f.parse_priority(b"\x00" * 4), FRAME_SIZE_ERROR),
    ],
    ids=[
        "pad-length-missing",
        "pad-too-long",
        "settings-6",
        "window-4",
        "rst-4",
        "goaway-8",
        "priority-5",
    ],
)
def test_payload_errors(call: object, code: int) -> None:
    with pytest.raises(FrameError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == code
