"""frames.py: the sans-IO parser of client frames, whole and split at every byte, and its errors."""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable

import pytest

from squall.server.websocket.deflate import DeflateParams, PerMessageDeflate
from squall.server.websocket.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Control,
    FrameParser,
    Item,
    ProtocolError,
    close_payload,
    encode_frame,
    parse_close,
    unmask,
    xor_unmask,
)


def client_frame(
    opcode: int,
    payload: bytes,
    fin: bool = True,
    rsv: int = 0,
    mask: bool = True,
    length_bytes: int | None = None,
) -> bytes:
    """A frame as a client sends it (masked), with any bit a test wants wrong."""
    first = (0x80 if fin else 0) | rsv | opcode
    length = len(payload)
    mask_bit = 0x80 if mask else 0
    if length < 126 and length_bytes is None:
        head = bytes((first, mask_bit | length))
    elif length < 0x10000 and length_bytes != 8:
        head = bytes((first, mask_bit | 126)) + length.to_bytes(2, "big")
    else:
        head = bytes((first, mask_bit | 127)) + length.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def feed_all(parser: FrameParser, chunks: list[bytes]) -> list[Item]:
    items: list[Item] = []
    for chunk in chunks:
        items += parser.feed(chunk)
    return items


def describe(items: list[Item]) -> list[object]:
    return [(item.opcode, item.payload) if isinstance(item, Control) else item for item in items]


STREAM = b"".join(
    [
        client_frame(OP_TEXT, "héllo".encode()),
        client_frame(OP_TEXT, b"frag", fin=False),
        client_frame(OP_PING, b"p1"),  # a control frame between fragments
        client_frame(OP_CONT, "mé".encode()[:2], fin=False),  # a code point split in two
        client_frame(OP_CONT, "mé".encode()[2:] + b"nt"),
        client_frame(OP_BINARY, bytes(range(256)) * 2),  # a 16-bit length
        client_frame(OP_BINARY, b"", fin=False),
        client_frame(OP_CONT, b"\x00\x01"),
        client_frame(OP_PONG, b""),
        client_frame(OP_BINARY, b"x" * 70000),  # a 64-bit length
        client_frame(OP_CLOSE, close_payload(1000, "bye")),
        client_frame(OP_TEXT, b"after the close: never read"),
    ]
)
EXPECTED = [
    "héllo",
    (OP_PING, b"p1"),
    "fragmént",
    bytes(range(256)) * 2,
    b"\x00\x01",
    (OP_PONG, b""),
    b"x" * 70000,
    (OP_CLOSE, close_payload(1000, "bye")),
]


def test_the_stream_parses_whole() -> None:
    parser = FrameParser(max_size=None)
    assert describe(parser.feed(STREAM)) == EXPECTED
    assert parser.failure is None and parser.closed


def test_the_stream_parses_the_same_split_at_every_byte() -> None:
    head = STREAM[:700]  # every frame but the 70000-byte one and the close
    for cut in range(1, len(head)):
        parser = FrameParser(max_size=None)
        items = feed_all(parser, [head[:cut], head[cut:], STREAM[700:]])
        assert describe(items) == EXPECTED, cut


def test_the_stream_parses_the_same_a_byte_at_a_time() -> None:
    parser = FrameParser(max_size=None)
    items = feed_all(parser, [STREAM[i : i + 1] for i in range(len(STREAM))])
    assert describe(items) == EXPECTED


def test_a_non_minimal_length_is_read() -> None:
    parser = FrameParser(max_size=None)
    assert parser.feed(client_frame(OP_TEXT, b"abc", length_bytes=8)) == ["abc"]


ERRORS = [
    ("unmasked", client_frame(OP_TEXT, b"hi", mask=False), 1002),
    ("rsv2", client_frame(OP_TEXT, b"hi", rsv=0x20), 1002),
    ("rsv3", client_frame(OP_TEXT, b"hi", rsv=0x10), 1002),
    ("rsv1 without deflate", client_frame(OP_TEXT, b"hi", rsv=0x40), 1002),
    ("reserved data opcode", client_frame(3, b"hi"), 1002),
    ("reserved control opcode", client_frame(11, b""), 1002),
    ("fragmented ping", client_frame(OP_PING, b"", fin=False), 1002),
    ("ping over 125 bytes", client_frame(OP_PING, b"x" * 126), 1002),
    ("continuation first", client_frame(OP_CONT, b"hi"), 1002),
    (
        "new message mid-message",
        client_frame(OP_TEXT, b"a", fin=False) + client_frame(OP_BINARY, b"b"),
        1002,
    ),
    ("invalid utf-8", client_frame(OP_TEXT, b"\xff"), 1007),
    ("too big", client_frame(OP_BINARY, b"x" * 101), 1009),
    (
        "too big in fragments",
        client_frame(OP_BINARY, b"x" * 60, fin=False) + client_frame(OP_CONT, b"x" * 41),
        1009,
    ),
]


@pytest.mark.parametrize(("data", "code"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_each_protocol_error_has_its_close_code(data: bytes, code: int) -> None:
    parser = FrameParser(max_size=100)
    ok = client_frame(OP_TEXT, b"before")
    assert parser.feed(ok + data) == ["before"]  # what came first is still given
    assert parser.failure is not None and parser.failure.code == code
    assert parser.feed(client_frame(OP_TEXT, b"after")) == []


def test_invalid_utf8_fails_at_its_fragment_not_at_the_end() -> None:
    parser = FrameParser(max_size=None)
    assert parser.feed(client_frame(OP_TEXT, b"ok", fin=False)) == []
    assert parser.failure is None
    parser.feed(client_frame(OP_CONT, b"\xce\xba\xff", fin=False))
    assert parser.failure is not None and parser.failure.code == 1007


def test_an_oversize_frame_fails_from_its_header_alone() -> None:
    parser = FrameParser(max_size=1000)
    header = client_frame(OP_BINARY, b"x" * 100000)[:14]  # the header and the mask key
    assert parser.feed(header) == []
    assert parser.failure is not None and parser.failure.code == 1009


@pytest.mark.parametrize("code", [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999])
def test_valid_close_codes(code: int) -> None:
    assert parse_close(close_payload(code, "why ü")) == (code, "why ü")


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000])
def test_invalid_close_codes_are_protocol_errors(code: int) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_close(code.to_bytes(2, "big"))
    assert caught.value.code == 1002


def test_close_payload_edge_cases() -> None:
    assert parse_close(b"") == (1005, "")
    with pytest.raises(ProtocolError) as one_byte:
        parse_close(b"\x03")
    assert one_byte.value.code == 1002
    with pytest.raises(ProtocolError) as bad_reason:
        parse_close(b"\x03\xe8\xff")
    assert bad_reason.value.code == 1007
    assert close_payload(1005, "ignored") == b""
    long = close_payload(1000, "é" * 100)  # 200 bytes of UTF-8: cut to 123, at a boundary
    assert len(long) == 2 + 122
    assert parse_close(long) == (1000, "é" * 61)


@pytest.mark.parametrize("function", [unmask, xor_unmask])
def test_unmask_matches_the_byte_by_byte_definition(
    function: Callable[[bytes, bytes], bytes],
) -> None:
    key = b"\x01\x80\xff\x7f"
    for size in (0, 1, 3, 4, 5, 127, 16384):
        payload = os.urandom(size)
        assert function(payload, key) == bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def test_server_frames_are_unmasked_with_the_right_length_form() -> None:
    assert encode_frame(OP_TEXT, b"hi") == b"\x81\x02hi"
    assert encode_frame(OP_BINARY, b"x" * 200)[:4] == b"\x82\x7e\x00\xc8"
    assert encode_frame(OP_BINARY, b"x" * 70000)[:10] == b"\x82\x7f" + (70000).to_bytes(8, "big")
    assert encode_frame(OP_TEXT, b"z", fin=False, rsv1=True)[0] == 0x41
    for length in (0, 5, 125):  # the headers made once, and the ones built
        assert encode_frame(OP_TEXT, b"t" * length)[:2] == bytes((0x81, length))
        assert encode_frame(OP_BINARY, b"b" * length)[:2] == bytes((0x82, length))
        assert encode_frame(OP_BINARY, b"b" * length, fin=False)[:2] == bytes((0x02, length))
        assert encode_frame(OP_PONG, b"p" * length)[:2] == bytes((0x8A, length))


def compressed(messages: list[bytes], bits: int = 15) -> list[bytes]:
    """Each message as a client compresses it with context takeover (RFC 7692, 7.2.1)."""
    deflater = zlib.compressobj(6, zlib.DEFLATED, -bits)
    out = []
    for message in messages:
        data = deflater.compress(message) + deflater.flush(zlib.Z_SYNC_FLUSH)
        out.append(data[:-4])
    return out


def deflate_parser(max_size: int | None, **params: bool | int) -> FrameParser:
    return FrameParser(max_size, PerMessageDeflate(DeflateParams(**params)))  # type: ignore[arg-type]


def test_compressed_messages_inflate_with_context_takeover_and_in_fragments() -> None:
    first, second = compressed([b"hello " * 50, b"hello " * 60])
    parser = deflate_parser(None)
    data = client_frame(OP_TEXT, first, rsv=0x40)
    data += client_frame(OP_BINARY, second[:5], fin=False, rsv=0x40)
    data += client_frame(OP_PING, b"")
    data += client_frame(OP_CONT, second[5:])
    data += client_frame(OP_TEXT, b"plain")  # uncompressed: RSV1 clear
    assert describe(parser.feed(data)) == ["hello " * 50, (OP_PING, b""), b"hello " * 60, "plain"]


def test_decompression_is_bounded_by_max_size() -> None:
    (bomb,) = compressed([b"\x00" * 1_000_000])
    assert len(bomb) < 2000
    parser = deflate_parser(10_000)
    assert parser.feed(client_frame(OP_BINARY, bomb, rsv=0x40)) == []
    assert parser.failure is not None and parser.failure.code == 1009


def test_a_compressed_message_at_max_size_fits() -> None:
    (exact,) = compressed([b"a" * 10_000])
    parser = deflate_parser(10_000)
    assert parser.feed(client_frame(OP_TEXT, exact, rsv=0x40)) == ["a" * 10_000]


def test_client_no_context_takeover_resets_the_inflater() -> None:
    deflate = PerMessageDeflate(DeflateParams(client_no_context_takeover=True))
    parser = FrameParser(None, deflate)
    one = zlib.compressobj(6, zlib.DEFLATED, -15)
    message = one.compress(b"abc" * 40) + one.flush(zlib.Z_SYNC_FLUSH)
    frame = client_frame(OP_TEXT, message[:-4], rsv=0x40)
    assert parser.feed(frame + frame) == ["abc" * 40, "abc" * 40]
    assert deflate._inflater is None


def test_rsv1_on_a_control_or_continuation_frame_is_an_error_even_with_deflate() -> None:
    for data in (
        client_frame(OP_PING, b"", rsv=0x40),
        client_frame(OP_TEXT, b"a", fin=False) + client_frame(OP_CONT, b"b", rsv=0x40),
    ):
        parser = deflate_parser(None)
        parser.feed(data)
        assert parser.failure is not None and parser.failure.code == 1002
