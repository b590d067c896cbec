"""HPACK against the examples of RFC 7541, Appendix C: each block's bytes (typed in from the
RFC), the header list it decodes to and the dynamic table after it; our encoder, set up as the
RFC's (table size, Huffman or not), produces the same bytes."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import pytest  # noqa: E402

from squall.server.http2.hpack import Decoder, Encoder, HPACKError  # noqa: E402

Headers = list[tuple[bytes, bytes]]

GET_HTTP = [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/")]
AUTHORITY = (b":authority", b"www.example.com")
REQUESTS: list[Headers] = [
    [*GET_HTTP, AUTHORITY],
    [*GET_HTTP, AUTHORITY, (b"cache-control", b"no-cache")],
    [
        (b":method", b"GET"),
        (b":scheme", b"https"),
        (b":path", b"/index.html"),
        AUTHORITY,
        (b"custom-key", b"custom-value"),
    ],
]
REQUEST_TABLES = [
    (57, [AUTHORITY]),
    (110, [(b"cache-control", b"no-cache"), AUTHORITY]),
    (164, [(b"custom-key", b"custom-value"), (b"cache-control", b"no-cache"), AUTHORITY]),
]
C3 = [  # requests without Huffman coding
    "828684410f7777772e6578616d706c652e636f6d",
    "828684be58086e6f2d6361636865",
    "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
]
C4 = [  # the same requests, Huffman-coded
    "828684418cf1e3c2e5f23a6ba0ab90f4ff",
    "828684be5886a8eb10649cbf",
    "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
]

DATE_1 = (b"date", b"Mon, 21 Oct 2013 20:13:21 GMT")
DATE_2 = (b"date", b"Mon, 21 Oct 2013 20:13:22 GMT")
PRIVATE = (b"cache-control", b"private")
LOCATION = (b"location", b"https://www.example.com")
COOKIE = (b"set-cookie", b"foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")
RESPONSES: list[Headers] = [
    [(b":status", b"302"), PRIVATE, DATE_1, LOCATION],
    [(b":status", b"307"), PRIVATE, DATE_1, LOCATION],
    [(b":status", b"200"), PRIVATE, DATE_2, LOCATION, (b"content-encoding", b"gzip"), COOKIE],
]
RESPONSE_TABLES = [
    (222, [LOCATION, DATE_1, PRIVATE, (b":status", b"302")]),
    (222, [(b":status", b"307"), LOCATION, DATE_1, PRIVATE]),
    (215, [COOKIE, (b"content-encoding", b"gzip"), DATE_2]),
]
C5 = [  # responses without Huffman coding, table size 256 (evictions)
    "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d54"
    "6e1768747470733a2f2f7777772e6578616d706c652e636f6d",
    "4803333037c1c0bf",
    "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f"
    "3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076"
    "657273696f6e3d31",
]
C6 = [  # the same responses, Huffman-coded
    "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f"
    "0b97c8e9ae82ae43d3",
    "4883640effc1c0bf",
    "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335df"
    "dfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
]


def table_of(decoder: Decoder) -> tuple[int, Headers]:
    """The dynamic table, newest entry first (as the RFC prints it)."""
    return decoder.table.size, list(reversed(decoder.table.entries))


@pytest.mark.parametrize(
    ("hex_block", "expected"),
    [
        ("400a637573746f6d2d6b65790d637573746f6d2d686561646572", (b"custom-key", b"custom-header")),
        ("040c2f73616d706c652f70617468", (b":path", b"/sample/path")),
        ("100870617373776f726406736563726574", (b"password", b"secret")),
        ("82", (b":method", b"GET")),
    ],
    ids=["C.2.1-indexing", "C.2.2-without-indexing", "C.2.3-never-indexed", "C.2.4-indexed"],
)
def test_c2_field_representations(hex_block: str, expected: tuple[bytes, bytes]) -> None:
    decoder = Decoder(65536)
    assert decoder.decode(bytes.fromhex(hex_block)) == [expected]
    indexed = hex_block.startswith("40")
    assert table_of(decoder) == ((55, [expected]) if indexed else (0, []))


@pytest.mark.parametrize(
    ("hex_block", "sensitive"),
    [
        ("400a637573746f6d2d6b65790d637573746f6d2d686561646572", frozenset()),
        ("100870617373776f726406736563726574", frozenset((b"password",))),
    ],
    ids=["C.2.1", "C.2.3"],
)
def test_c2_encoder(hex_block: str, sensitive: frozenset[bytes]) -> None:
    field = Decoder(65536).decode(bytes.fromhex(hex_block))
    assert Encoder(huffman=False, sensitive=sensitive).encode(field).hex() == hex_block


@pytest.mark.parametrize(
    ("blocks", "huffman"), [(C3, False), (C4, True)], ids=["C.3-plain", "C.4-huffman"]
)
def test_requests(blocks: list[str], huffman: bool) -> None:
    decoder = Decoder(65536)
    encoder = Encoder(huffman=huffman)
    for block, headers, table in zip(blocks, REQUESTS, REQUEST_TABLES, strict=True):
        assert decoder.decode(bytes.fromhex(block)) == headers
        assert table_of(decoder) == table
        assert encoder.encode(headers).hex() == block


@pytest.mark.parametrize(
    ("blocks", "huffman"), [(C5, False), (C6, True)], ids=["C.5-plain", "C.6-huffman"]
)
def test_responses_with_evictions(blocks: list[str], huffman: bool) -> None:
    decoder = Decoder(65536, max_table_size=256)
    encoder = Encoder(table_size=256, huffman=huffman, sensitive=frozenset())
    for block, headers, table in zip(blocks, RESPONSES, RESPONSE_TABLES, strict=True):
        assert decoder.decode(bytes.fromhex(block)) == headers
        assert table_of(decoder) == table
        assert encoder.encode(headers).hex() == block
        assert table_of(encoder) == table  # type: ignore[arg-type]


def test_table_size_update_bounded_by_setting() -> None:
    decoder = Decoder(65536, max_table_size=256)
    assert decoder.decode(bytes.fromhex("3fe101")) == []  # size update to 256: allowed
    with pytest.raises(HPACKError):
        decoder.decode(bytes.fromhex("3fe201"))  # 257: over the setting
    with pytest.raises(HPACKError):
        decoder.decode(bytes.fromhex("82" + "3fe101"))  # after a field


def test_size_update_empties_the_table() -> None:
    decoder = Decoder(65536)
    decoder.decode(bytes.fromhex(C3[0]))
    assert decoder.decode(bytes.fromhex("20")) == []
    assert table_of(decoder) == (0, [])
    with pytest.raises(HPACKError):
        decoder.decode(bytes.fromhex("be"))  # index 62: evicted


def test_encoder_announces_a_smaller_table() -> None:
    encoder = Encoder()
    encoder.set_max_table_size(0)
    encoder.set_max_table_size(100)
    block = encoder.encode([(b"x-a", b"b")])
    assert block.startswith(bytes.fromhex("20") + bytes.fromhex("3f45"))  # 0, then 100
    decoder = Decoder(65536)
    assert decoder.decode(block) == [(b"x-a", b"b")]
    assert decoder.table.max_size == 100
