"""Answering a request with a file: validators, conditional requests, ranges, and the bytes.

:func:`answer_file` decides the answer (200, 206, 304, 416; the headers; the body as
segments) from the file's ``stat`` and the request's headers.  :func:`send_answer` sends it
as ASGI messages, with the zero-copy extensions when the server offers them
(``http.response.zerocopy``, else ``http.response.pathsend`` for a whole file), else in
64 KiB reads, off the event loop for a file bigger than one read.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, Final, Protocol

from squall.file_ranges import (
    FileSpan,
    Segment,
    Unsatisfiable,
    if_range_allows,
    multipart_segments,
    parse_range,
    single_range_segments,
)

CHUNK: Final = 64 * 1024
ZEROCOPY: Final = "http.response.zerocopy"
PATHSEND: Final = "http.response.pathsend"
RawHeaders = list[tuple[bytes, bytes]]


@dataclass(slots=True)
class Representation:
    """One file as sent: the identity file or a precompressed sibling."""

    path: str
    stat: os.stat_result
    media_type: str
    coding: str | None = None  # its Content-Encoding
    vary: bool = False  # chosen by Accept-Encoding: the answer varies with it

    @property
    def etag(self) -> str:
        tag = f"{self.stat.st_mtime_ns:x}-{self.stat.st_size:x}"
        return f'"{tag}-{self.coding}"' if self.coding else f'"{tag}"'

    @property
    def last_modified(self) -> str:
        return http_date(int(self.stat.st_mtime))


class Descriptor(Protocol):
    """What a file is to the senders: its OS descriptor (as the zero-copy extension's
    ``file``)."""

    def fileno(self) -> int: ...


class OpenFile:
    """A file opened for reading by descriptor: one system call where ``open()`` makes four
    (fstat, ioctl, lseek), on every static file served.  Closed by ``close()`` or ``with``."""

    __slots__ = ("fd", "name")

    def __init__(self, path: str) -> None:
        self.name = path
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> OpenFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@functools.lru_cache(maxsize=1024)
def http_date(seconds: int) -> str:
    """``seconds`` since the epoch as an HTTP date (a file's Last-Modified: files change
    rarely, so the same few are formatted again and again)."""
    return formatdate(seconds, usegmt=True)


@dataclass(slots=True)
class Answer:
    status: int
    headers: RawHeaders
    segments: list[Segment] = field(default_factory=list)  # empty: no body


def request_header(headers: Any, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def answer_file(
    rep: Representation,
    method: str,
    request_headers: Any,
    status: int = 200,
    headers: RawHeaders | None = None,
) -> Answer:
    """The answer to ``method`` with ``request_headers`` for ``rep`` (``status`` if whole).

    Conditional requests and ranges apply to a 200 only (not to a 404 page).
    """
    base = list(headers or [])
    names = {name for name, _ in base}
    validators = [(b"etag", rep.etag.encode()), (b"last-modified", rep.last_modified.encode())]
    if rep.vary:
        validators.append((b"vary", b"accept-encoding"))
    base += [pair for pair in validators if pair[0] not in names]
    if b"content-type" not in names:
        base.append((b"content-type", _content_type(rep.media_type)))
    if rep.coding:
        base.append((b"content-encoding", rep.coding.encode()))
    size = rep.stat.st_size
    if status == 200:
        if _not_modified(rep, request_headers):
            return Answer(304, [pair for pair in base if pair[0] != b"content-type"])
        base.append((b"accept-ranges", b"bytes"))
        ranged = _ranged(rep, method, request_headers, base)
        if ranged is not None:
            return ranged
    base.append((b"content-length", str(size).encode()))
    return Answer(status, base, [] if method == "HEAD" else [FileSpan(0, size)])


def _content_type(media_type: str) -> bytes:
    if media_type.startswith("text/") and "charset" not in media_type:
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")


def _not_modified(rep: Representation, request_headers: Any) -> bool:
    if_none_match = request_header(request_headers, b"if-none-match")
    if if_none_match is not None:
        return etag_listed(if_none_match, rep.etag)
    if_modified_since = request_header(request_headers, b"if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(rep.stat.st_mtime) <= since


def etag_listed(header: str, etag: str) -> bool:
    """``If-None-Match``: weak comparison against each listed tag, ``*`` matching any."""
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def _ranged(
    rep: Representation, method: str, request_headers: Any, base: RawHeaders
) -> Answer | None:
    """A 206 or 416 if the request asks for ranges that apply, else None (send it whole)."""
    header = request_header(request_headers, b"range")
    if header is None or method != "GET":
        return None
    if_range = request_header(request_headers, b"if-range")
    if if_range is not None and not if_range_allows(if_range, rep.etag, rep.last_modified):
        return None
    size = rep.stat.st_size
    try:
        ranges = parse_range(header, size)
    except Unsatisfiable:
        refused = [pair for pair in base if pair[0] not in (b"content-type", b"etag")]
        return Answer(416, [*refused, (b"content-range", f"bytes */{size}".encode())], [])
    if ranges is None:
        return None
    if len(ranges) == 1:
        first, last = ranges[0]
        extra = [
            (b"content-range", f"bytes {first}-{last}/{size}".encode()),
            (b"content-length", str(last - first + 1).encode()),
        ]
        return Answer(206, base + extra, single_range_segments(first, last))
    media_type = _content_type(rep.media_type).decode("latin-1")
    boundary, segments, length = multipart_segments(ranges, size, media_type)
    headers = [pair for pair in base if pair[0] != b"content-type"]
    headers.append((b"content-type", f"multipart/byteranges; boundary={boundary}".encode()))
    headers.append((b"content-length", str(length).encode()))
    return Answer(206, headers, segments)


async def send_answer(
    send: Any, extensions: Mapping[str, Any] | None, answer: Answer, file: Descriptor, path: str
) -> None:
    """Send ``answer`` as ASGI messages; its file spans come from ``file``."""
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    segments = answer.segments
    extensions = extensions or {}
    if not segments:
        await send({"type": "http.response.body", "body": b""})
    elif ZEROCOPY in extensions:
        await _send_zerocopy(send, segments, file)
    elif PATHSEND in extensions and _whole(segments, file):
        await send({"type": PATHSEND, "path": path})
    else:
        await _send_read(send, segments, file)


def _whole(segments: list[Segment], file: Descriptor) -> bool:
    span = segments[0]
    return (
        len(segments) == 1
        and isinstance(span, FileSpan)
        and span.offset == 0
        and span.count == os.fstat(file.fileno()).st_size
    )


async def _send_zerocopy(send: Any, segments: list[Segment], file: Descriptor) -> None:
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        more = index < last
        if isinstance(segment, FileSpan):
            message = {"file": file, "offset": segment.offset, "count": segment.count}
            await send({"type": ZEROCOPY, **message, "more_body": more})
        else:
            await send({"type": "http.response.body", "body": segment, "more_body": more})


async def _send_read(send: Any, segments: list[Segment], file: Descriptor) -> None:
    pending: bytes | None = None  # held back so the last part goes with more_body=False
    async for part in read_segments(segments, file):
        if pending is not None:
            await send({"type": "http.response.body", "body": pending, "more_body": True})
        pending = part
    await send({"type": "http.response.body", "body": pending or b""})


async def read_segments(segments: list[Segment], file: Descriptor) -> AsyncIterator[bytes]:
    """The segments' bytes, in parts of up to CHUNK bytes (a file's read off the loop when
    the span is bigger than one part)."""
    fd = file.fileno()
    loop = asyncio.get_running_loop()
    for segment in segments:
        if isinstance(segment, bytes):
            yield segment
            continue
        offset, remaining = segment.offset, segment.count
        threaded = remaining > CHUNK
        while remaining > 0:
            size = min(CHUNK, remaining)
            if threaded:
                data = await loop.run_in_executor(None, os.pread, fd, size, offset)
            else:
                data = os.pread(fd, size, offset)
            if not data:
                raise RuntimeError("the file shrank while it was being sent")
            yield data
            offset += len(data)
            remaining -= len(data)
