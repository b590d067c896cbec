"""Byte ranges of a file (RFC 9110, 14): the ``Range`` header, ``If-Range``, multipart bodies.

A ranged answer's body is a list of :data:`Segment`: bytes written as they are (a multipart
body's part heads) and :class:`FileSpan` runs of the file, which the sender copies from disk
(with ``sendfile`` where the server offers it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

MAX_RANGES: Final = 16  # more than this (a request built to fan out) is served whole


@dataclass(frozen=True, slots=True)
class FileSpan:
    """``count`` bytes of the file from ``offset``."""

    offset: int
    count: int


Segment = bytes | FileSpan


class Unsatisfiable(Exception):
    """No range of the header overlaps the file: a 416."""


def parse_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """The ranges ``header`` asks for, as inclusive ``(first, last)`` byte positions.

    None when the header is to be ignored (not ``bytes=``, malformed, too many ranges): the
    whole file is sent.  Raises :class:`Unsatisfiable` when it is valid but none of its
    ranges overlaps a file of ``size`` bytes.
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec:
        return None
    parts = spec.split(",")
    if len(parts) > MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    for part in parts:
        bounds = _parse_one(part.strip())
        if bounds is None:
            return None
        first, last = bounds
        if first is None:  # a suffix: the last ``last`` bytes
            suffix = last or 0
            if suffix:
                ranges.append((max(size - suffix, 0), size - 1))
        elif first < size:
            ranges.append((first, size - 1 if last is None else min(last, size - 1)))
    if not ranges:
        raise Unsatisfiable
    return ranges


def _parse_one(text: str) -> tuple[int | None, int | None] | None:
    """``first-last``, ``first-`` or ``-suffix``; None if malformed."""
    start, dash, end = text.partition("-")
    if not dash or not _digits(start or "0") or not _digits(end or "0"):
        return None
    if not start:
        return (None, int(end)) if end else None
    first = int(start)
    if not end:
        return first, None
    last = int(end)
    return None if last < first else (first, last)


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def if_range_allows(value: str, etag: str, last_modified: str) -> bool:
    """Whether ``If-Range: value`` lets the ranges apply to the file as it is now.

    An entity tag must match strongly (a weak one never does); a date must be the file's
    ``Last-Modified`` exactly.
    """
    value = value.strip()
    if value.startswith('"'):
        return value == etag
    if value.startswith("W/"):
        return False
    return value == last_modified


def single_range_segments(first: int, last: int) -> list[Segment]:
    return [FileSpan(first, last - first + 1)]


def multipart_segments(
    ranges: list[tuple[int, int]], size: int, media_type: str
) -> tuple[str, list[Segment], int]:
    """A ``multipart/byteranges`` body: its boundary, its segments and its length."""
    boundary = os.urandom(12).hex()
    segments: list[Segment] = []
    length = 0
    for index, (first, last) in enumerate(ranges):
        lead = "\r\n" if index else ""
        head = (
            f"{lead}--{boundary}\r\ncontent-type: {media_type}\r\n"
            f"content-range: bytes {first}-{last}/{size}\r\n\r\n"
        ).encode("latin-1")
        segments.append(head)
        segments.append(FileSpan(first, last - first + 1))
        length += len(head) + last - first + 1
    tail = f"\r\n--{boundary}--\r\n".encode("latin-1")
    segments.append(tail)
    return boundary, segments, length + len(tail)
