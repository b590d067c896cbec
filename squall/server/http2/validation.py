"""What RFC 9113 (8.2 and 8.3) demands of a request's header fields.

A request that breaks a rule is *malformed*: a stream error PROTOCOL_ERROR (8.1.1), raised
here as MalformedHeaders for the codec (core.py) to turn into RST_STREAM.

- names: lowercase field-name tokens (8.2, 8.2.1); values without NUL, CR or LF and without
  leading or trailing whitespace (8.2.1);
- no connection-specific fields (connection, keep-alive, proxy-connection, transfer-encoding,
  upgrade), and ``te`` only as ``trailers`` (8.2.2);
- pseudo-headers before the regular fields, each at most once, only the request ones (8.3);
  ``:method``, ``:scheme`` and a non-empty ``:path`` present, but for CONNECT (8.5):
  ``:method`` and ``:authority`` only;
- ``:protocol`` (RFC 8441, section 4) only when the server announced
  SETTINGS_ENABLE_CONNECT_PROTOCOL, and only on a CONNECT, which then is an *extended* CONNECT
  and carries ``:scheme``, ``:path`` and ``:authority`` as well;
- trailers carry no pseudo-header (8.1);
- ``content-length`` a number (8.1.1: the DATA frames must add up to it, core.py checks).
"""

from __future__ import annotations

from typing import Final

COLON: Final = 58
SP: Final = 32
HTAB: Final = 9
CR: Final = 13
LF: Final = 10
NUL: Final = 0
TOKEN: Final = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
CONNECTION_SPECIFIC: Final = frozenset(
    (b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade")
)
REQUEST_PSEUDO: Final = frozenset((b":method", b":scheme", b":path", b":authority", b":protocol"))
NO_LENGTH: Final = -1


class MalformedHeaders(Exception):
    pass


def check_value(value: bytes) -> None:
    if value and (value[0] in (SP, HTAB) or value[-1] in (SP, HTAB)):
        raise MalformedHeaders("field value with leading or trailing whitespace")
    # Bytes as ints: ``b"\r" in value`` would first try (and fail, raising and clearing a
    # TypeError) to read b"\r" as an int: ~40k instructions per request for six fields.
    if CR in value or LF in value or NUL in value:
        raise MalformedHeaders("field value with CR, LF or NUL")


def check_regular(name: bytes, value: bytes) -> None:
    if not name or name.translate(None, TOKEN):
        raise MalformedHeaders(f"field name {name!r} is not a lowercase token")
    if name in CONNECTION_SPECIFIC:
        raise MalformedHeaders(f"connection-specific field {name!r}")
    if name == b"te" and value != b"trailers":
        raise MalformedHeaders("te other than trailers")
    check_value(value)


def check_request(headers: list[tuple[bytes, bytes]], connect_protocol: bool = False) -> int:
    """Raise MalformedHeaders unless ``headers`` make a valid request; return its
    content-length (NO_LENGTH without one).  ``connect_protocol``: the server announced
    SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441)."""
    method = scheme = path = authority = protocol = None
    regular = False
    length = NO_LENGTH
    for name, value in headers:
        if name and name[0] == COLON:
            if regular:
                raise MalformedHeaders(f"pseudo-header {name!r} after a regular field")
            if name == b":method":
                if method is not None:
                    raise MalformedHeaders("two :method")
                method = value
            elif name == b":path":
                if path is not None:
                    raise MalformedHeaders("two :path")
                path = value
            elif name == b":scheme":
                if scheme is not None:
                    raise MalformedHeaders("two :scheme")
                scheme = value
            elif name == b":authority":
                if authority is not None:
                    raise MalformedHeaders("two :authority")
                authority = value
            elif name == b":protocol":
                if protocol is not None or not connect_protocol:
                    raise MalformedHeaders("two :protocol, or :protocol not announced")
                protocol = value
            elif name not in REQUEST_PSEUDO:
                raise MalformedHeaders(f"pseudo-header {name!r} is not a request's")
            check_value(value)
            continue
        regular = True
        check_regular(name, value)
        if name == b"content-length":
            length = parse_length(value, length)
    if method is None:
        raise MalformedHeaders("no :method")
    if protocol is not None:
        if method != b"CONNECT" or authority is None or scheme is None or not path:
            raise MalformedHeaders(":protocol needs CONNECT, :authority, :scheme and :path")
    elif method == b"CONNECT":
        if authority is None or scheme is not None or path is not None:
            raise MalformedHeaders("CONNECT takes :authority and no :scheme or :path")
    elif scheme is None or not path:
        raise MalformedHeaders("no :scheme or no :path")
    return length


def check_trailers(headers: list[tuple[bytes, bytes]]) -> None:
    for name, value in headers:
        if name and name[0] == COLON:
            raise MalformedHeaders(f"pseudo-header {name!r} in trailers")
        check_regular(name, value)


def parse_length(value: bytes, previous: int) -> int:
    if not value.isdigit() or len(value) > 18:
        raise MalformedHeaders("content-length is not a number")
    length = int(value)
    if previous != NO_LENGTH and previous != length:
        raise MalformedHeaders("two different content-lengths")
    return length
