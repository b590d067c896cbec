"""Is what the server wrote a well-formed run of HTTP/1.1 responses?

The fuzz target (target.py) checks every byte the connection wrote: a sequence of responses,
each a status line, header fields and a body framed by its headers (Content-Length, chunked,
no body for 1xx/204/304, or the rest of the stream when neither length nor chunking is given).
A response cut short is fine only once the connection is closed.

A HEAD response may announce a Content-Length (or chunking) but carries no body; the checker
does not know the request methods, so a response may also end right after its head when what
follows is the next status line or nothing at all (the apps' bodies never start with one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

STATUS_LINE: Final = re.compile(rb"HTTP/1\.1 ([1-9]\d\d) [\x20-\x7e]*\r\n")
FIELD_LINE: Final = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+): ?([\x20-\x7e\t\x80-\xff]*)\r\n")
CHUNK_SIZE: Final = re.compile(rb"([0-9a-f]+)\r\n")
NEXT: Final = b"HTTP/1.1 "


class Malformed(Exception):
    """The written bytes are not a well-formed sequence of HTTP/1.1 responses."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


@dataclass(frozen=True)
class Responses:
    """What the written bytes parsed as; ``complete`` is False if the last one was cut short."""

    responses: tuple[Response, ...]
    complete: bool

    @property
    def statuses(self) -> tuple[int, ...]:
        return tuple(response.status for response in self.responses)


def parse_responses(data: bytes) -> Responses:
    """Split ``data`` into responses; raise :class:`Malformed` at the first bad byte."""
    found: list[Response] = []
    pos = 0
    while pos < len(data):
        parsed = _response(data, pos)
        if parsed is None:
            return Responses(tuple(found), complete=False)
        response, pos = parsed
        found.append(response)
    return Responses(tuple(found), complete=True)


def check_responses(data: bytes, closed: bool) -> Responses:
    """Parse ``data``; an unfinished last response is malformed unless ``closed``."""
    parsed = parse_responses(data)
    if not parsed.complete and not closed:
        raise Malformed(f"a response was left unfinished on an open connection: {data[-200:]!r}")
    return parsed


def _response(data: bytes, pos: int) -> tuple[Response, int] | None:
    """The response at ``pos`` and where it ends, or None if ``data`` stops inside it."""
    if not data.startswith(NEXT[: len(data) - pos], pos):
        raise Malformed(f"no status line at offset {pos}: {data[pos : pos + 80]!r}")
    head_end = data.find(b"\r\n\r\n", pos)
    if head_end < 0:
        return None
    line = STATUS_LINE.match(data, pos)
    if line is None:
        raise Malformed(f"bad status line: {data[pos : pos + 80]!r}")
    status = int(line.group(1))
    headers = _fields(data, line.end(), head_end + 2)
    body_start = head_end + 4
    framed = _body(data, body_start, status, headers)
    if framed is None:
        return None
    body, end = framed
    return Response(status, headers, body), end


def _fields(data: bytes, pos: int, end: int) -> tuple[tuple[bytes, bytes], ...]:
    fields: list[tuple[bytes, bytes]] = []
    while pos < end:
        match = FIELD_LINE.match(data, pos)
        if match is None or match.end() > end:
            raise Malformed(f"bad header field line: {data[pos : pos + 80]!r}")
        fields.append((match.group(1).lower(), match.group(2)))
        pos = match.end()
    return tuple(fields)


def _body(
    data: bytes, start: int, status: int, headers: tuple[tuple[bytes, bytes], ...]
) -> tuple[bytes, int] | None:
    lengths = [value for name, value in headers if name == b"content-length"]
    codings = [value for name, value in headers if name == b"transfer-encoding"]
    if len(lengths) > 1 or (lengths and codings):
        raise Malformed(f"ambiguous framing: {headers!r}")
    if status < 200 or status in (204, 304):
        if lengths or codings:
            raise Malformed(f"a {status} response with framing headers: {headers!r}")
        return b"", start
    if codings:
        if codings != [b"chunked"]:
            raise Malformed(f"unexpected transfer-encoding: {codings!r}")
        return (b"", start) if _boundary(data, start) else _chunked(data, start)
    if lengths:
        if not lengths[0].isdigit():
            raise Malformed(f"bad content-length: {lengths[0]!r}")
        return _sized(data, start, int(lengths[0]))
    if _boundary(data, start):  # a HEAD response (or an empty close-delimited body)
        return b"", start
    return data[start:], len(data)  # delimited by the close: nothing may follow


def _sized(data: bytes, start: int, length: int) -> tuple[bytes, int] | None:
    end = start + length
    if _boundary(data, end):
        return data[start:end], end
    if length and _boundary(data, start):  # a HEAD response: the length, not the body
        return b"", start
    if end > len(data):
        return None
    raise Malformed(f"bytes after a {length}-byte body: {data[end : end + 80]!r}")


def _boundary(data: bytes, pos: int) -> bool:
    """Whether ``pos`` is the end of ``data`` or the start of another response."""
    return pos == len(data) or (pos < len(data) and data.startswith(NEXT[: len(data) - pos], pos))


def _chunked(data: bytes, pos: int) -> tuple[bytes, int] | None:
    body = bytearray()
    while True:
        line_end = data.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size_line = CHUNK_SIZE.fullmatch(data, pos, line_end + 2)
        if size_line is None:
            raise Malformed(f"bad chunk size line: {data[pos : pos + 40]!r}")
        size = int(size_line.group(1), 16)
        start = line_end + 2
        if size == 0:
            if len(data) < start + 2:
                return None
            if data[start : start + 2] != b"\r\n":
                raise Malformed(f"no CRLF after the last chunk: {data[start : start + 40]!r}")
            return bytes(body), start + 2
        if len(data) < start + size + 2:
            return None
        if data[start + size : start + size + 2] != b"\r\n":
            raise Malformed("a chunk does not end with CRLF")
        body += data[start : start + size]
        pos = start + size + 2
