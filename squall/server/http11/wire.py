"""Bytes on the wire for HTTP/1.1 responses: status lines, header blocks, canned errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

CRLF: Final = b"\r\n"
LAST_CHUNK: Final = b"0\r\n\r\n"


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b""


# Pre-encoded status lines: the hot path looks a line up instead of formatting it.
STATUS_LINES: Final[dict[int, bytes]] = {
    int(status): b"HTTP/1.1 %d %s\r\n" % (status, _reason(status)) for status in HTTPStatus
}


def status_line(status: int) -> bytes:
    line = STATUS_LINES.get(status)
    if line is None:
        if not 100 <= status <= 999:
            raise ValueError(f"invalid HTTP status code {status!r}")
        line = b"HTTP/1.1 %d %s\r\n" % (status, _reason(status))
    return line


def has_no_body(status: int) -> bool:
    """Statuses whose responses never carry a body (RFC 9110 6.4.1)."""
    return status < 200 or status == 204 or status == 304


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def error_response(status: int, reason: str, default_headers: bytes) -> bytes:
    """A complete plain-text error response that closes the connection."""
    body = reason.encode("utf-8") + b"\n"
    return b"".join(
        (
            status_line(status),
            default_headers,
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        )
    )


CONTINUE_100: Final = b"HTTP/1.1 100 Continue\r\n\r\n"


class HeaderDirective:
    """What a response header tells the server instead of going on the wire as it is."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


CLOSE: Final = HeaderDirective("connection: close")
DROP: Final = HeaderDirective("dropped: framing belongs to the server")
HeaderEntry = bytes | tuple[int, bytes] | HeaderDirective

# Encoded response headers by (name, value): apps send the same few headers again and
# again, so validation and encoding happen once per distinct header.  Only the headers in
# CACHEABLE are kept: ones whose values repeat across responses and carry nothing about a
# user.  Others are encoded on every response and never stored, so a Set-Cookie token, an
# Authorization or a Location with a one-time code doesn't outlive its response here, and
# unique values (ETag, Last-Modified, request ids, CSP nonces ...) don't churn the cache.
# The size cap bounds what repeating names still bring (a content-length per body size).
HEADER_CACHE: Final[dict[tuple[bytes, bytes], HeaderEntry]] = {}
HEADER_CACHE_SIZE: Final = 4096
CACHEABLE: Final = frozenset(
    (
        b"content-type",
        b"content-length",
        b"content-encoding",
        b"content-language",
        b"cache-control",
        b"vary",
        b"server",
        b"accept-ranges",
        b"allow",
        b"pragma",
        b"connection",
        b"transfer-encoding",
        b"x-content-type-options",
        b"x-frame-options",
        b"x-xss-protection",
        b"referrer-policy",
        b"strict-transport-security",
        b"permissions-policy",
        b"cross-origin-opener-policy",
        b"cross-origin-resource-policy",
        b"cross-origin-embedder-policy",
        b"access-control-allow-origin",
        b"access-control-allow-credentials",
        b"access-control-allow-methods",
        b"access-control-allow-headers",
        b"access-control-expose-headers",
        b"access-control-max-age",
    )
)
_LETTERS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# tchar (RFC 9110 5.6.2): all a field name may contain.
TOKEN_BYTES: Final = b"!#$%&'*+-.^_`|~0123456789" + _LETTERS
# field-vchar, SP and HTAB (RFC 9110 5.5): any byte but the other controls and DEL.
VALUE_BYTES: Final = b"\t" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))


def header_entry(header: tuple[bytes, bytes] | list[bytes]) -> HeaderEntry:
    """Classify, check and encode one response header; see ``Exchange._start``."""
    name, value = header
    lname = name.lower()
    entry = _encode_header(lname, name, value)
    if lname in CACHEABLE and type(header) is tuple:
        if len(HEADER_CACHE) >= HEADER_CACHE_SIZE:
            HEADER_CACHE.clear()
        HEADER_CACHE[header] = entry
    return entry


def _encode_header(lname: bytes, name: bytes, value: bytes) -> HeaderEntry:
    if lname == b"content-length":
        length = int(value)
        if length < 0:
            raise ValueError(f"negative content-length {value!r}")
        return (length, b"content-length: %d\r\n" % length)
    if lname == b"connection":
        return CLOSE if b"close" in value.lower() else DROP
    if lname == b"transfer-encoding":
        return DROP
    check_header(name, value)
    return name + b": " + value + b"\r\n"


def _flags(allowed: bytes) -> bytes:
    """A translation table: 1 for each byte in ``allowed``, 0 for every other."""
    return bytes(1 if byte in allowed else 0 for byte in range(256))


# Checked by mapping each byte to its flag (one pass over the bytes): translate's deleting
# form builds its table from the allowed bytes on every call, 3x the cost per header.
TOKEN_FLAGS: Final = _flags(TOKEN_BYTES)
VALUE_FLAGS: Final = _flags(VALUE_BYTES)


def check_header(name: bytes, value: bytes) -> None:
    """Refuse what would corrupt the header block or smuggle a header past the client."""
    if not name or 0 in name.translate(TOKEN_FLAGS):
        raise RuntimeError(f"invalid response header name {name!r}: not an RFC 9110 token")
    if 0 in value.translate(VALUE_FLAGS):
        invalid = value.translate(None, VALUE_BYTES)
        raise RuntimeError(
            f"invalid response header {name!r}: control byte {invalid[:1]!r} in its value"
        )


# "content-length: N\r\n" for the small lengths most responses have, made once each.
_LENGTH_LINES: Final[dict[int, bytes]] = {}
_LENGTH_CACHE_LIMIT: Final = 16 * 1024


def content_length_line(length: int) -> bytes:
    line = _LENGTH_LINES.get(length)
    if line is None:
        line = b"content-length: %d\r\n" % length
        if length < _LENGTH_CACHE_LIMIT:
            _LENGTH_LINES[length] = line
    return line
