"""HPACK bombs on the h2 library (``--h2-codec h2``; our codec bounds its list in hpack.py).

A header block whose decoded list is past ``--h2-max-header-list-size``.

A block of a few kilobytes can insert a large literal into the dynamic table, then name it
thousands of times with one-byte references.  hpack stops such a block at the limit by
raising, midway; h2 then has to close the connection, since the rest of the block (which may
change the dynamic table) was never read.  :class:`BoundedDecoder` reads every block to its
end instead, keeping the table in step with the client's, but keeps fields only while the
list is within the limit.  A block past it decodes to its pseudo-header fields and
:data:`TOO_LARGE`, and the connection answers that stream with 431 (RFC 9113, 10.5.1:
"A server that receives a larger field block than it is willing to handle can send an HTTP
431 (Request Header Fields Too Large) status code") while the others go on.

The memory held is bounded by the block's compressed size (each field that would be kept is
either a literal from the block or a reference to a table entry), and the work by its
length.  A block HPACK cannot decode, such as one with a dynamic table size update beyond the
SETTINGS_HEADER_TABLE_SIZE we announced (4096), is a connection error COMPRESSION_ERROR (RFC
9113, 4.3; h2 alone says PROTOCOL_ERROR).
"""

from __future__ import annotations

from h2.errors import ErrorCodes
from h2.exceptions import ProtocolError
from hpack import Decoder, HPACKDecodingError, HPACKError
from hpack.struct import HeaderTuple
from hpack.table import table_entry_size

from squall.server.http2.defences import too_large


class CompressionError(ProtocolError):
    """A header block HPACK cannot decode: a connection error of type COMPRESSION_ERROR
    (RFC 9113, 4.3), where h2 itself would say PROTOCOL_ERROR."""

    error_code = ErrorCodes.COMPRESSION_ERROR


class BoundedDecoder(Decoder):
    """hpack's decoder, reading each block whole and keeping at most the limit of it."""

    def decode(self, data: bytes, raw: bool = False) -> list[HeaderTuple]:  # type: ignore[override]
        """The fields of a complete block (raw bytes, as h2 asks); see the module's text."""
        try:
            return self.decode_block(data)
        except (HPACKError, IndexError, TypeError) as exc:  # hpack's, or a truncated block
            raise CompressionError(f"undecodable header block: {exc}") from exc

    def decode_block(self, data: bytes) -> list[HeaderTuple]:
        view = memoryview(data)
        headers: list[HeaderTuple] = []
        size = 0
        limit = self.max_header_list_size
        position = 0
        end = len(data)
        while position < end:
            first = data[position]
            if first & 0x80:
                header, consumed = self._decode_indexed(view[position:])
            elif first & 0x40:
                header, consumed = self._decode_literal_index(view[position:])
            elif first & 0x20:
                if headers or size:
                    raise HPACKDecodingError("a table size update after a field")
                position += self._update_encoding_context(view[position:])
                continue
            else:
                header, consumed = self._decode_literal_no_index(view[position:])
            position += consumed
            size += table_entry_size(header[0], header[1])
            if size <= limit:
                headers.append(header)
        self._assert_valid_table_size()
        if size > limit:
            return too_large(headers)  # type: ignore[return-value, arg-type]
        return headers
