"""permessage-deflate (RFC 7692) for the squall codec: the negotiation and the zlib contexts.

Negotiation (section 7): the client offers the extension, perhaps several times with other
parameters; the server accepts the first offer it can honour and answers with the parameters
that then hold, or declines every offer (the socket is then uncompressed).  An offer with an
unknown, repeated or malformed parameter is declined.

zlib contexts are large (a compressor with a 32 KiB window holds ~140 KiB), so none exists
until a message needs it: an inflater when the first compressed message arrives, a deflater
when the first message worth compressing is sent.  Messages shorter than
:data:`MIN_COMPRESSED_SIZE` are sent uncompressed (each message says whether it is, by RSV1),
so a socket that only exchanges small messages never makes a deflater.  With "no context
takeover" a context is dropped after each message.

``server_max_window_bits=8`` is accepted, but since zlib can't compress with a 256-byte window
(it silently uses 512), every message is then sent uncompressed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Final

from squall.server.websocket.frames import INVALID_DATA, MESSAGE_TOO_BIG, UNLIMITED, ProtocolError

EXTENSION: Final = "permessage-deflate"
TAIL: Final = b"\x00\x00\xff\xff"  # the end of a sync flush, left off each message (7.2.1)
MIN_COMPRESSED_SIZE: Final = 0
COMPRESSION_LEVEL: Final = 1  # real-time traffic: ~2.5x faster than level 6, a few % of ratio
MEMORY_LEVEL: Final = 5  # zlib's default is 8: 5 saves ~100 KiB per deflater for little ratio
NO_VALUE: Final = ""


@dataclass(frozen=True, slots=True)
class DeflateParams:
    """What an accepted offer agreed on."""

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int = 15
    client_max_window_bits: int = 15

    def response(self) -> str:
        """The Sec-WebSocket-Extensions value that accepts the offer."""
        parts = [EXTENSION]
        if self.server_no_context_takeover:
            parts.append("server_no_context_takeover")
        if self.client_no_context_takeover:
            parts.append("client_no_context_takeover")
        if self.server_max_window_bits < 15:
            parts.append(f"server_max_window_bits={self.server_max_window_bits}")
        if self.client_max_window_bits < 15:
            parts.append(f"client_max_window_bits={self.client_max_window_bits}")
        return "; ".join(parts)


def split_offers(headers: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each offered extension: its name and its parameters (a parameter without value: "")."""
    offers: list[tuple[str, list[tuple[str, str]]]] = []
    for header in headers:
        for element in header.split(","):
            name, *params = (part.strip() for part in element.split(";"))
            if not name:
                continue
            pairs: list[tuple[str, str]] = []
            for param in params:
                key, _, value = param.partition("=")
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                pairs.append((key.strip().lower(), value))
            offers.append((name.lower(), pairs))
    return offers


def window_bits(value: str) -> int | None:
    """A max_window_bits value, 8 to 15 (without leading zeros or signs), else None."""
    if len(value) not in (1, 2) or not value.isdigit() or value[0] == "0":
        return None
    bits = int(value)
    return bits if 8 <= bits <= 15 else None


def accept_offer(params: list[tuple[str, str]], no_context_takeover: bool) -> DeflateParams | None:
    """The parameters that accept one permessage-deflate offer, or None to decline it."""
    seen: set[str] = set()
    server_no_takeover = client_no_takeover = no_context_takeover
    server_bits = client_bits = 15
    for key, value in params:
        if key in seen:
            return None
        seen.add(key)
        if key == "server_no_context_takeover" or key == "client_no_context_takeover":
            if value != NO_VALUE:
                return None
            if key == "server_no_context_takeover":
                server_no_takeover = True
            else:
                client_no_takeover = True
        elif key == "server_max_window_bits":
            bits = window_bits(value)
            if bits is None:
                return None
            server_bits = bits
        elif key == "client_max_window_bits":
            if value == NO_VALUE:
                continue  # the client could take a limit: we ask for none
            bits = window_bits(value)
            if bits is None:
                return None
            client_bits = bits
        else:
            return None
    return DeflateParams(server_no_takeover, client_no_takeover, server_bits, client_bits)


def negotiate(offers: list[str], no_context_takeover: bool = False) -> DeflateParams | None:
    """The first permessage-deflate offer among the header values ``offers`` we can accept."""
    for name, params in split_offers(offers):
        if name != EXTENSION:
            continue
        accepted = accept_offer(params, no_context_takeover)
        if accepted is not None:
            return accepted
    return None


class PerMessageDeflate:
    """One socket's compression: an :class:`~squall.server.websocket.frames.Inflater` and more."""

    __slots__ = ("_deflater", "_inflater", "params")

    def __init__(self, params: DeflateParams) -> None:
        self.params = params
        self._inflater: Any = None  # zlib's Decompress, made by the first compressed message
        self._deflater: Any = None  # zlib's Compress, made by the first compressed send

    def inflate(self, data: bytes, fin: bool, max_length: int) -> bytes:
        inflater = self._inflater
        if inflater is None:
            # Any client window up to 15 bits decodes with a 15-bit one; 8 is not for zlib.
            bits = max(self.params.client_max_window_bits, 9)
            inflater = self._inflater = zlib.decompressobj(-bits)
        if fin:
            data += TAIL
        try:
            # One byte past the limit tells a message that fits from one that doesn't.
            out = inflater.decompress(data, max_length + 1 if max_length < UNLIMITED else 0)
        except zlib.error as error:
            raise ProtocolError(INVALID_DATA, f"invalid compressed data: {error}") from None
        if len(out) > max_length:
            raise ProtocolError(MESSAGE_TOO_BIG, "message too big")
        if fin and self.params.client_no_context_takeover:
            self._inflater = None
        return out

    def should_compress(self, size: int) -> bool:
        return size >= MIN_COMPRESSED_SIZE and self.params.server_max_window_bits > 8

    def deflate(self, data: bytes) -> bytes:
        """A whole message, compressed (its RSV1 frame's payload)."""
        deflater = self._deflater
        if deflater is None:
            bits = -self.params.server_max_window_bits
            deflater = zlib.compressobj(COMPRESSION_LEVEL, zlib.DEFLATED, bits, MEMORY_LEVEL)
        out = deflater.compress(data) + deflater.flush(zlib.Z_SYNC_FLUSH)
        self._deflater = None if self.params.server_no_context_takeover else deflater
        return out[:-4] if out.endswith(TAIL) else out
