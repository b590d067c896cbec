"""Write squall/server/http2/huffman_table.py: HPACK's Huffman code (RFC 7541, Appendix B).

The code of Appendix B is canonical: sorted by (bit length, symbol), each code is the previous
one plus one, shifted left by the growth in length.  So the 257 bit lengths below (symbols 0 to
255, then EOS = 256, read off the appendix's "len in bits" column) define every code; the
script rebuilds the codes from them and checks a few against the appendix's printed values.

Out come the encoder's two tables and the decoder's: a state machine over 4-bit nibbles whose
states are the inner nodes of the code tree (root = 0).  Each of the 256 x 16 entries packs

    next state | flags << 8 | symbol << 16      flags: EMIT 1, ACCEPT 2, FAIL 4

EMIT: a symbol ended within the nibble (at most one can: the shortest code has 5 bits).
ACCEPT: the bits since the last symbol are fewer than 8 and all ones, a legal padding
(RFC 7541, 5.2).  FAIL: the nibble completes EOS, which a string must not contain.

Run: python scripts/gen_huffman_table.py  (rewrites the module).
"""

from __future__ import annotations

import pathlib

LENGTHS = (
    # 0-31: control characters
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    # 32-63: ' ' to '?'
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
    # 64-95: '@' to '_'
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
    # 96-127: '`' to DEL
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
    # 128-255
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
    # 256: EOS
    30,
)  # fmt: skip

# (symbol, code, bits) as printed in Appendix B, to check the canonical rebuild against.
PRINTED = ((48, 0x0, 5), (32, 0x14, 6), (97, 0x3, 5), (0, 0x1FF8, 13), (255, 0x3FFFFEE, 26),
           (256, 0x3FFFFFFF, 30), (10, 0x3FFFFFFC, 30), (126, 0x1FFD, 13))  # fmt: skip

EOS = 256
EMIT, ACCEPT, FAIL = 1, 2, 4
TARGET = pathlib.Path(__file__).parent.parent / "squall/server/http2/huffman_table.py"


def canonical_codes(lengths: tuple[int, ...]) -> list[int]:
    codes = [0] * len(lengths)
    order = sorted(range(len(lengths)), key=lambda symbol: (lengths[symbol], symbol))
    code = 0
    for position, symbol in enumerate(order):
        if position:
            code = (code + 1) << (lengths[symbol] - lengths[order[position - 1]])
        codes[symbol] = code
    return codes


def build_tree(codes: list[int]) -> tuple[list[list[int]], list[int]]:
    """Children of each inner node ([zero, one]; a leaf is -1 - symbol) and each node's
    all-ones depth (-1 off the all-ones path)."""
    children: list[list[int]] = [[0, 0]]
    ones_depth = [0]
    for symbol, code in enumerate(codes):
        node = 0
        for shift in range(LENGTHS[symbol] - 1, -1, -1):
            bit = (code >> shift) & 1
            if shift == 0:
                children[node][bit] = -1 - symbol
                break
            if children[node][bit] == 0:
                children.append([0, 0])
                depth = ones_depth[node] + 1 if bit and ones_depth[node] >= 0 else -1
                ones_depth.append(depth)
                children[node][bit] = len(children) - 1
            node = children[node][bit]
    return children, ones_depth


def decoder_table(children: list[list[int]], ones_depth: list[int]) -> list[int]:
    table = []
    for state in range(len(children)):
        for nibble in range(16):
            node, flags, symbol = state, 0, 0
            for shift in (3, 2, 1, 0):
                child = children[node][(nibble >> shift) & 1]
                if child < 0:
                    if -1 - child == EOS:
                        flags |= FAIL
                        break
                    flags |= EMIT
                    symbol = -1 - child
                    node = 0
                else:
                    node = child
            if not flags & FAIL and 0 <= ones_depth[node] < 8:
                flags |= ACCEPT
            table.append((0 if flags & FAIL else node) | flags << 8 | symbol << 16)
    return table


def rows(values: list[int], per_row: int) -> str:
    return "\n".join(
        "    " + ", ".join(str(v) for v in values[start : start + per_row]) + ","
        for start in range(0, len(values), per_row)
    )


def main() -> None:
    codes = canonical_codes(LENGTHS)
    for symbol, code, bits in PRINTED:
        assert (codes[symbol], LENGTHS[symbol]) == (code, bits), symbol
    children, ones_depth = build_tree(codes)
    assert len(children) == 256, len(children)  # 257 leaves: 256 inner nodes
    table = decoder_table(children, ones_depth)
    TARGET.write_text(
        '"""HPACK\'s Huffman code (RFC 7541, Appendix B): generated by\n'
        "scripts/gen_huffman_table.py, which says what the tables hold.  Do not edit.\n"
        '"""\n\n'
        "from typing import Final\n\n# fmt: off\n"
        f"EMIT: Final = {EMIT}\nACCEPT: Final = {ACCEPT}\nFAIL: Final = {FAIL}\n\n"
        f"CODES: Final[tuple[int, ...]] = (\n{rows(codes[:256], 8)}\n)\n\n"
        f"LENGTHS: Final[tuple[int, ...]] = (\n{rows(list(LENGTHS[:256]), 16)}\n)\n\n"
        f"DECODE: Final[tuple[int, ...]] = (\n{rows(table, 8)}\n)\n"
    )


if __name__ == "__main__":
    main()
