"""HPACK's static table (RFC 7541, Appendix A) and the encoder's lookups into it."""

from __future__ import annotations

from typing import Final

# Index 1 is the first entry: STATIC[0] is a placeholder so that STATIC[index] reads as the RFC.
STATIC: Final[tuple[tuple[bytes, bytes], ...]] = (
    (b"", b""),
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
)
STATIC_LENGTH: Final = len(STATIC) - 1  # 61: dynamic entries are numbered from 62


def _full_matches() -> dict[tuple[bytes, bytes], int]:
    return {entry: index for index, entry in enumerate(STATIC) if index and entry[1]}


def _name_matches() -> dict[bytes, int]:
    names: dict[bytes, int] = {}
    for index in range(STATIC_LENGTH, 0, -1):  # the lowest index of a name wins
        names[STATIC[index][0]] = index
    return names


STATIC_FULL: Final[dict[tuple[bytes, bytes], int]] = _full_matches()
STATIC_NAMES: Final[dict[bytes, int]] = _name_matches()
