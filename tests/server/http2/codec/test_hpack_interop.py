"""HPACK against the ``hpack`` library both ways, under hypothesis: header lists our encoder
writes decode with theirs and the other way round, over several blocks so the dynamic tables
(insertions, evictions, size updates) must stay in step; the Huffman code on its own; and
random bytes into our decoder raise nothing but HPACKError."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import hpack  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from squall.server.http2.defences import TOO_LARGE  # noqa: E402
from squall.server.http2.hpack import (  # noqa: E402
    Decoder,
    Encoder,
    HPACKError,
    huffman_decode,
    huffman_encode,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Names: lowercase tokens, some from the static table; values: any bytes HPACK carries.
names = st.one_of(
    st.sampled_from([b":status", b"content-type", b"date", b"set-cookie", b"cookie", b"etag"]),
    st.binary(min_size=1, max_size=20).map(lambda b: b.lower()),
)
values = st.one_of(st.sampled_from([b"", b"200", b"gzip, deflate"]), st.binary(max_size=60))
header_lists = st.lists(st.tuples(names, values), max_size=12)
blocks = st.lists(header_lists, min_size=1, max_size=6)
table_sizes = st.sampled_from([0, 64, 256, 4096])


@FAST
@given(blocks, table_sizes)
def test_ours_to_theirs(lists: list[list[tuple[bytes, bytes]]], table_size: int) -> None:
    encoder = Encoder()
    encoder.set_max_table_size(table_size)
    decoder = hpack.Decoder()
    for headers in lists:
        assert decoder.decode(encoder.encode(headers), raw=True) == headers


@FAST
@given(blocks, table_sizes)
def test_theirs_to_ours(lists: list[list[tuple[bytes, bytes]]], table_size: int) -> None:
    encoder = hpack.Encoder()
    encoder.header_table_size = table_size
    decoder = Decoder(1 << 20)
    for headers in lists:
        assert decoder.decode(encoder.encode(headers)) == headers


@FAST
@given(st.binary(max_size=300))
def test_huffman_round_trip_and_theirs(data: bytes) -> None:
    out = bytearray()
    huffman_encode(data, out)
    assert bytes(out) == hpack.huffman.HuffmanEncoder(
        hpack.huffman_constants.REQUEST_CODES, hpack.huffman_constants.REQUEST_CODES_LENGTH
    ).encode(data)
    assert huffman_decode(bytes(out)) == data


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_decoder_fuzz_raises_only_hpack_errors(data: bytes) -> None:
    decoder = Decoder(4096)
    try:
        headers = decoder.decode(data)
    except HPACKError:
        return
    assert sum(len(n) + len(v) + 32 for n, v in headers) <= 4096


def test_huffman_rejects_eos_and_bad_padding() -> None:
    for bad in (b"\xff\xff\xff\xff", b"\x00"):  # EOS inside; padding of zeros (5 bits '0')
        try:
            huffman_decode(bad)
        except HPACKError:
            continue
        raise AssertionError(f"{bad!r} decoded")
    assert huffman_decode(b"\x07") == b"0"  # '0' (00000) then 3 bits of ones: valid


def test_header_list_bound_stops_an_hpack_bomb() -> None:
    """One 4000-byte entry referenced 100 times by 1-byte indexes: 400 kB from 4 kB."""
    encoder = hpack.Encoder()
    bomb = encoder.encode([(b"x-big", b"a" * 4000)]) + b"\xbe" * 100
    decoder = Decoder(16384)
    assert decoder.decode(bomb) == [TOO_LARGE]  # no pseudo-header field to keep
    assert decoder.decode(b"\xbe") == [(b"x-big", b"a" * 4000)]  # the table is in step
