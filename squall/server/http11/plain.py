"""The common request head, read in one pass; llhttp (httptools) reads everything else.

Most requests are *plain*: a usual method, an origin-form target, HTTP/1.1 or 1.0, well-formed
``name: value`` lines, and no body or a Content-Length one.  Scanning such a head byte by byte
here (compiled by mypyc, so a byte costs a few machine instructions) is several times cheaper
than llhttp's callbacks into Python: one per header, then the version and method calls.

The scan never *rejects* anything: a head it does not accept exactly (odd bytes, obs-fold,
Transfer-Encoding, Upgrade, two Content-Lengths, a limit reached, an unfinished head ...) is
left to llhttp, which answers it as it would have without this module.  So what is valid HTTP
here does not change; only the cost of the usual request does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # compiled code gets native 64-bit ints; interpreted code never looks
    from mypy_extensions import i64


def _table(allowed: bytes) -> bytes:
    """A 256-byte lookup table: 1 where the byte is in ``allowed``."""
    return bytes(1 if byte in allowed else 0 for byte in range(256))


_VISIBLE: Final = bytes(range(0x21, 0x7F))
# tchar (RFC 9110 5.6.2): what a method and a field name are made of.
_LETTERS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
TOKEN: Final = _table(b"!#$%&'*+-.^_`|~0123456789" + _LETTERS)
# origin-form target bytes: visible ASCII but '#' (a fragment goes to llhttp's URL parser).
TARGET: Final = _table(_VISIBLE.replace(b"#", b""))
# A Host value (RFC 9110 7.2, RFC 3986 3.2.2): reg-name or IPv4 bytes (unreserved, sub-delims,
# '%' of pct-encoded), an IP-literal in brackets, then ":" and a port of digits.
HOST: Final = _table(b"-._~!$&'()*+,;=%0123456789" + _LETTERS)
IP_LITERAL: Final = _table(b"-._~!$&'()*+,;=:0123456789" + _LETTERS)
DIGITS: Final = _table(b"0123456789")
OPEN_BRACKET: Final = 91
CLOSE_BRACKET: Final = 93
LOWER: Final = bytes.maketrans(_LETTERS[:26], _LETTERS[26:])
SP: Final = 32
DEL: Final = 127
HTAB: Final = 9
CR: Final = 13
LF: Final = 10
COLON: Final = 58
QUESTION: Final = 63
MAX_LENGTH_DIGITS: Final = 18  # a longer Content-Length goes to llhttp (which checks overflow)
METHODS: Final = {
    m.encode("ascii"): m for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
}
HTTP_11: Final = b"HTTP/1.1\r\n"
HTTP_10: Final = b"HTTP/1.0\r\n"


class _LastHost:
    """The last Host value found valid: checking it again costs one comparison."""

    def __init__(self) -> None:
        self.value = b""


LAST_HOST: Final = _LastHost()


class PlainHead:
    """A request head that passed the strict scan, split into what the server needs."""

    def __init__(self, method: str, raw_path: bytes, query: bytes, version: str) -> None:
        self.method = method
        self.raw_path = raw_path
        self.query = query
        self.version = version
        self.headers: list[tuple[bytes, bytes]] = []
        self.end = 0  # index just past the blank line that ends the head
        self.content_length = 0
        self.keep_alive = version == "1.1"
        self.expect_100 = False
        self.content_type = b""  # the Content-Type value, picked out for the app (native.py)
        self.forwarded = False  # a proxy header is present (Forwarded, X-Forwarded-For/-Proto)


def read_head(
    data: bytes, start: int, max_head_size: int, max_header_count: int
) -> PlainHead | None:
    """The plain request head at ``data[start:]``, or None if llhttp should read it."""
    size: i64 = len(data)
    if size - start > max_head_size:
        size = start + max_head_size  # a longer head is not plain: llhttp applies the limits
    i = _skip(TOKEN, data, start, size)
    method = METHODS.get(data[start:i])
    if method is None or i >= size or data[i] != SP:
        return None
    i += 1
    target: i64 = i
    i = _skip(TARGET, data, i, size)
    if i == target or data[target] != 47 or i >= size or data[i] != SP:  # 47: "/"
        return None
    mark = _find(QUESTION, data, target, i)
    raw_path = data[target:mark]
    query = data[mark + 1 : i] if mark < i else b""
    version = data[i + 1 : i + 11]
    if version == HTTP_11:
        head = PlainHead(method, raw_path, query, "1.1")
    elif version == HTTP_10:
        head = PlainHead(method, raw_path, query, "1.0")
    else:
        return None
    i += 11
    return _read_fields(data, i, size, head, max_header_count)


def _find(byte: i64, data: bytes, i: i64, end: i64) -> i64:
    """The index of the first ``byte`` in ``data[i:end]``, or ``end``."""
    while i < end and data[i] != byte:
        i += 1
    return i


def _skip(table: bytes, data: bytes, i: i64, size: i64) -> i64:
    """The index of the first byte at or after ``i`` that ``table`` does not allow."""
    while i < size:
        byte: i64 = data[i]
        if not table[byte]:
            break
        i += 1
    return i


def _read_fields(
    data: bytes, i: i64, size: i64, head: PlainHead, max_header_count: int
) -> PlainHead | None:
    """The field lines and the blank line after them (RFC 9112 5), into ``head``."""
    headers = head.headers
    hosts = lengths = connections = 0
    while True:
        if i + 1 >= size:
            return None  # unfinished (or too long): llhttp waits for the rest
        if data[i] == CR:
            if data[i + 1] != LF:
                return None
            head.end = i + 2
            break
        name_start: i64 = i
        i = _skip(TOKEN, data, i, size)
        if i == name_start or i >= size or data[i] != COLON:
            return None
        name_length = i - name_start
        name = data[name_start:i].translate(LOWER)
        i += 1
        while i < size and _is_ows(data[i]):
            i += 1
        value_start: i64 = i
        while i < size:  # field-value bytes (RFC 9110 5.5): no controls but HTAB, no DEL
            byte: i64 = data[i]
            if byte < SP:
                if byte == CR:
                    break
                if byte != HTAB:
                    return None
            elif byte == DEL:
                return None
            i += 1
        if i + 1 >= size or data[i + 1] != LF:
            return None
        value_end: i64 = i
        while value_end > value_start and _is_ows(data[value_end - 1]):
            value_end -= 1  # trailing OWS is not part of the value
        value = data[value_start:value_end]
        i += 2
        headers.append((name, value))
        if len(headers) > max_header_count:
            return None
        # Only a few names matter here: compare those of the right length.
        if name_length == 4 and name == b"host":
            hosts += 1
            if value != LAST_HOST.value:  # most requests repeat the last valid Host
                if not valid_host(data, value_start, value_end):
                    return None  # llhttp's path answers 400
                LAST_HOST.value = value
        elif name_length == 14 and name == b"content-length":
            lengths += 1
            length = _digits(data, value_start, value_end)
            if length < 0:
                return None
            head.content_length = length
        elif name_length == 10 and name == b"connection":
            connections += 1
            if not _connection(head, value.translate(LOWER)):
                return None
        elif name_length == 12 and name == b"content-type":
            head.content_type = value
        elif name_length == 6 and name == b"expect":
            if value.translate(LOWER) != b"100-continue":
                return None  # llhttp's path answers an unknown expectation with 417
            head.expect_100 = True
        elif (name_length == 17 and name == b"transfer-encoding") or (
            name_length == 7 and name == b"upgrade"
        ):
            return None  # chunked framing and protocol switches are llhttp's
        elif (
            (name_length == 15 and name == b"x-forwarded-for")
            or (name_length == 17 and name == b"x-forwarded-proto")
            or (name_length == 9 and name == b"forwarded")
        ):
            head.forwarded = True  # read by proxy_headers.py if the peer is trusted
    if lengths > 1 or connections > 1 or hosts > 1 or (hosts == 0 and head.version == "1.1"):
        return None  # llhttp's path answers these with the right error
    return head


def valid_host(data: bytes, start: i64, end: i64) -> bool:
    """Whether ``data[start:end]`` is a Host value: ``uri-host [ ":" port ]`` (may be empty)."""
    i = start
    if i < end and data[i] == OPEN_BRACKET:
        i = _skip(IP_LITERAL, data, i + 1, end)
        if i >= end or data[i] != CLOSE_BRACKET:
            return False
        i += 1
    else:
        i = _skip(HOST, data, i, end)
    if i < end and data[i] == COLON:
        i = _skip(DIGITS, data, i + 1, end)
    return i == end


def _is_ows(byte: i64) -> bool:
    return byte in (SP, HTAB)


def _digits(data: bytes, start: i64, end: i64) -> i64:
    """The decimal number in ``data[start:end]``, or -1 if it is not one (or too long)."""
    if start == end or end - start > MAX_LENGTH_DIGITS:
        return -1
    number: i64 = 0
    while start < end:
        digit: i64 = data[start] - 48
        if digit < 0 or digit > 9:
            return -1
        number = number * 10 + digit
        start += 1
    return number


def _connection(head: PlainHead, value: bytes) -> bool:
    """Apply a Connection header; False for anything but one plain option."""
    if value == b"close":
        head.keep_alive = False
    elif value == b"keep-alive":
        head.keep_alive = True
    else:
        return False
    return True
