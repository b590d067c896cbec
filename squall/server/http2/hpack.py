"""HPACK (RFC 7541): the header compression of HTTP/2, encoder and decoder.

Sans-IO and compiled with mypyc (hot_path.py).  A header block is a sequence of
representations: an index into the static table (hpack_static.py) or the dynamic table, or a
literal whose name may be indexed, with or without adding the field to the dynamic table.
Integers have an N-bit prefix (5.1); strings are raw or Huffman-coded (5.2, huffman_table.py).

Headers are ``(name, value)`` pairs of bytes, as they travel.  What HTTP/2 demands of them
(lowercase names, pseudo-headers first, ...) is checked by the connection (core.py), not here.
"""

from __future__ import annotations

from typing import Final

from squall.server.http2.defences import too_large
from squall.server.http2.hpack_static import STATIC, STATIC_FULL, STATIC_LENGTH, STATIC_NAMES
from squall.server.http2.huffman_table import ACCEPT, CODES, DECODE, EMIT, FAIL, LENGTHS

DEFAULT_TABLE_SIZE: Final = 4096  # SETTINGS_HEADER_TABLE_SIZE's initial value
ENTRY_OVERHEAD: Final = 32  # RFC 7541, 4.1: an entry's size is name + value + 32
MAX_INTEGER_BYTES: Final = 5  # continuation bytes of an integer: past 2**28, an attack
# Fields the encoder never indexes (RFC 7541, 7.1.3): secrets an attacker could probe for.
SENSITIVE: Final = frozenset((b"authorization", b"proxy-authorization", b"cookie", b"set-cookie"))

Header = tuple[bytes, bytes]


class HPACKError(Exception):
    """A header block that does not decode: a connection error COMPRESSION_ERROR."""


# -- Integers and strings (RFC 7541, 5) --------------------------------------------------------


def encode_integer(value: int, prefix_bits: int, first: int, out: bytearray) -> None:
    """Append ``value`` with an N-bit prefix; ``first`` holds the bits above the prefix."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        out.append(first | value)
        return
    out.append(first | limit)
    value -= limit
    while value >= 128:
        out.append((value & 127) | 128)
        value >>= 7
    out.append(value)


def decode_integer(data: bytes, pos: int, prefix_bits: int) -> tuple[int, int]:
    """The integer at ``data[pos]`` and the position after it."""
    limit = (1 << prefix_bits) - 1
    value = data[pos] & limit
    pos += 1
    if value < limit:
        return value, pos
    shift = 0
    end = len(data)
    while True:
        if pos >= end:
            raise HPACKError("truncated integer")
        byte = data[pos]
        pos += 1
        value += (byte & 127) << shift
        if byte < 128:
            return value, pos
        shift += 7
        if shift >= 7 * MAX_INTEGER_BYTES:
            raise HPACKError("integer too large")


def huffman_length(data: bytes) -> int:
    """Bytes ``data`` would take Huffman-coded."""
    bits = 0
    for byte in data:
        bits += LENGTHS[byte]
    return (bits + 7) >> 3


def huffman_encode(data: bytes, out: bytearray) -> None:
    """Append ``data`` Huffman-coded, padded with the high bits of EOS (all ones)."""
    pending = 0  # fewer than 8 bits waiting, plus the code just added: at most 37 bits
    bits = 0
    for byte in data:
        pending = (pending << LENGTHS[byte]) | CODES[byte]
        bits += LENGTHS[byte]
        while bits >= 8:
            bits -= 8
            out.append((pending >> bits) & 255)
        pending &= (1 << bits) - 1
    if bits:
        out.append(((pending << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 255)


def huffman_decode(data: bytes) -> bytes:
    """Decode a Huffman-coded string, a nibble at a time (the generated state machine)."""
    out = bytearray()
    state = 0
    accept = True
    for byte in data:
        entry = DECODE[(state << 4) | (byte >> 4)]
        flags = (entry >> 8) & 255
        if flags & FAIL:
            raise HPACKError("EOS inside a Huffman string")
        if flags & EMIT:
            out.append(entry >> 16)
        entry = DECODE[((entry & 255) << 4) | (byte & 15)]
        flags = (entry >> 8) & 255
        if flags & FAIL:
            raise HPACKError("EOS inside a Huffman string")
        if flags & EMIT:
            out.append(entry >> 16)
        state = entry & 255
        accept = (flags & ACCEPT) != 0
    if not accept:
        raise HPACKError("bad Huffman padding")
    return bytes(out)


def encode_string(data: bytes, out: bytearray, huffman: bool = True) -> None:
    """Append a string literal, Huffman-coded unless that is longer (or ``huffman`` is off;
    at equal lengths the code wins, as in RFC 7541's examples)."""
    coded = huffman_length(data) if huffman else len(data) + 1
    if coded <= len(data):
        encode_integer(coded, 7, 128, out)
        huffman_encode(data, out)
    else:
        encode_integer(len(data), 7, 0, out)
        out += data


def decode_string(data: bytes, pos: int) -> tuple[bytes, int]:
    huffman = data[pos] & 128
    length, pos = decode_integer(data, pos, 7)
    end = pos + length
    if end > len(data):
        raise HPACKError("truncated string")
    raw = data[pos:end]
    return (huffman_decode(raw) if huffman else raw), end


# -- The dynamic table (RFC 7541, 2.3.2 and 4) -------------------------------------------------


class DynamicTable:
    """Entries oldest first; entry number ``n`` (counted over the connection's life) is at
    HPACK index ``STATIC_LENGTH + inserted - n`` while it has not been evicted."""

    def __init__(self, max_size: int) -> None:
        self.entries: list[Header] = []
        self.size = 0
        self.max_size = max_size
        self.inserted = 0  # entries ever added

    def add(self, name: bytes, value: bytes) -> None:
        """Add an entry, evicting the oldest ones to make room (an entry larger than the
        whole table empties it and is not added: RFC 7541, 4.4)."""
        size = len(name) + len(value) + ENTRY_OVERHEAD
        self.inserted += 1
        if size > self.max_size:
            self.entries.clear()
            self.size = 0
            return
        self.evict(self.max_size - size)
        self.entries.append((name, value))
        self.size += size

    def resize(self, max_size: int) -> None:
        self.max_size = max_size
        self.evict(max_size)

    def evict(self, room: int) -> None:
        """Drop the oldest entries until the table's size is at most ``room``."""
        entries = self.entries
        dropped = 0
        size = self.size
        while size > room:
            name, value = entries[dropped]
            size -= len(name) + len(value) + ENTRY_OVERHEAD
            dropped += 1
        if dropped:
            del entries[:dropped]
            self.size = size

    def get(self, index: int) -> Header:
        """The field at HPACK ``index`` (static or dynamic)."""
        if 0 < index <= STATIC_LENGTH:
            return STATIC[index]
        position = len(self.entries) - (index - STATIC_LENGTH)
        if index <= 0 or position < 0:
            raise HPACKError(f"no header at index {index}")
        return self.entries[position]


# -- Decoder ----------------------------------------------------------------------------------


class Decoder:
    """Decode header blocks; ``max_table_size`` is the SETTINGS_HEADER_TABLE_SIZE we announced
    (the peer's size updates may not pass it), ``max_header_list_size`` the bound on a decoded
    list (names + values + 32 per field, RFC 9113 6.5.2).  A block past the bound (an HPACK
    bomb, or just too large) is read to its end but decodes to its pseudo-header fields and
    defences.py's TOO_LARGE: that stream is answered 431, the connection goes on."""

    def __init__(self, max_header_list_size: int, max_table_size: int = DEFAULT_TABLE_SIZE):
        self.table = DynamicTable(max_table_size)
        self.max_table_size = max_table_size
        self.max_header_list_size = max_header_list_size

    def decode(self, block: bytes) -> list[Header]:
        headers: list[Header] = []
        table = self.table
        pos = 0
        end = len(block)
        total = 0
        bound = self.max_header_list_size
        while pos < end:
            byte = block[pos]
            if byte & 128:  # indexed field (6.1): the table's own tuple
                index, pos = decode_integer(block, pos, 7)
                field = table.get(index)
            elif byte & 64:  # literal with incremental indexing (6.2.1)
                field, pos = self.literal(block, pos, 6)
                table.add(field[0], field[1])
            elif byte & 32:  # dynamic table size update (6.3)
                if headers:
                    raise HPACKError("table size update after a header field")
                size, pos = decode_integer(block, pos, 5)
                if size > self.max_table_size:
                    raise HPACKError(f"table size {size} over the {self.max_table_size} allowed")
                table.resize(size)
                continue
            else:  # literal without indexing (6.2.2) or never indexed (6.2.3)
                field, pos = self.literal(block, pos, 4)
            total += len(field[0]) + len(field[1]) + ENTRY_OVERHEAD
            if total <= bound:  # past it: read on (the table stays in step), keep nothing
                headers.append(field)
        if total > bound:
            return too_large(headers)
        return headers

    def literal(self, block: bytes, pos: int, prefix_bits: int) -> tuple[Header, int]:
        index, pos = decode_integer(block, pos, prefix_bits)
        if index:
            name = self.table.get(index)[0]
        else:
            if pos >= len(block):
                raise HPACKError("truncated literal")
            name, pos = decode_string(block, pos)
        if pos >= len(block):
            raise HPACKError("truncated literal")
        value, pos = decode_string(block, pos)
        return (name, value), pos


# -- Encoder ----------------------------------------------------------------------------------


class Encoder:
    """Encode header lists, indexing what may repeat (all but the ``sensitive`` fields);
    strings are Huffman-coded where that is shorter, unless ``huffman`` is off."""

    def __init__(
        self,
        table_size: int = DEFAULT_TABLE_SIZE,
        huffman: bool = True,
        sensitive: frozenset[bytes] = SENSITIVE,
    ) -> None:
        self.table = DynamicTable(table_size)
        self.huffman = huffman
        self.sensitive = sensitive
        # Entry numbers (DynamicTable.inserted) of what the table holds, or held: checked
        # against the evictions on use, rebuilt when stale ones pile up.
        self.fields: dict[Header, int] = {}
        self.names: dict[bytes, int] = {}
        self.size_update = -1  # a table size to announce at the start of the next block

    def set_max_table_size(self, size: int) -> None:
        """The peer's SETTINGS_HEADER_TABLE_SIZE: our table stays within it."""
        size = min(size, DEFAULT_TABLE_SIZE)
        if size != self.table.max_size or self.size_update >= 0:
            self.size_update = size if self.size_update < 0 else min(self.size_update, size)
            self.table.resize(size)

    def encode(self, headers: list[Header]) -> bytes:
        out = bytearray()
        if self.size_update >= 0:
            if self.size_update < self.table.max_size:  # shrunk, then grew: announce both
                encode_integer(self.size_update, 5, 32, out)
            encode_integer(self.table.max_size, 5, 32, out)
            self.size_update = -1
        for field in headers:
            self.encode_field(field, out)
        return bytes(out)

    def encode_field(self, field: Header, out: bytearray) -> None:
        index = STATIC_FULL.get(field, 0)
        if index == 0:
            index = self.dynamic_index(self.fields.get(field, -1))
        if index:
            encode_integer(index, 7, 128, out)
            return
        name, value = field
        name_index = STATIC_NAMES.get(name, 0)
        if name_index == 0:
            name_index = self.dynamic_index(self.names.get(name, -1))
        if name in self.sensitive:
            encode_integer(name_index, 4, 16, out)  # never indexed
        elif len(name) + len(value) + ENTRY_OVERHEAD <= self.table.max_size // 2:
            encode_integer(name_index, 6, 64, out)  # with incremental indexing
            self.remember(field)
        else:
            encode_integer(name_index, 4, 0, out)  # large: without indexing
        if name_index == 0:
            encode_string(name, out, self.huffman)
        encode_string(value, out, self.huffman)

    def dynamic_index(self, number: int) -> int:
        """The HPACK index of entry ``number``, or 0 if it was evicted (or is -1: unknown)."""
        table = self.table
        if number < table.inserted - len(table.entries):
            return 0
        return STATIC_LENGTH + table.inserted - number

    def remember(self, field: Header) -> None:
        table = self.table
        table.add(field[0], field[1])
        number = table.inserted - 1
        self.fields[field] = number
        self.names[field[0]] = number
        if len(self.fields) > 2 * len(table.entries) + 64:
            self.forget_evicted()

    def forget_evicted(self) -> None:
        table = self.table
        first = table.inserted - len(table.entries)
        self.fields = {field: n for field, n in self.fields.items() if n >= first}
        self.names = {name: n for name, n in self.names.items() if n >= first}
