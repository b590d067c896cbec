"""The docs assets compressed: a brotli and a gzip copy of each, made once per process at
its first request and kept in memory, chosen by the request's ``Accept-Encoding``.

Swagger UI's bundle is 1.5 MB of JavaScript; the copies send a quarter of it (gzip) or
less (brotli).  The package ships no compressed siblings, so they are made here, from the
package's files: in a worker thread (not on the event loop), once (a lock: a second request
waits for the first one's copy), at levels that take a fraction of a second (gzip 9, brotli
9: brotli's 11 saves 8% more on the bundle but takes 3 s of CPU).  ``br`` needs the
``brotli`` package (in the ``docs`` extra); without it gzip alone is offered.

A copy is a representation of its own: its ETag (a hash of its bytes) answers
``If-None-Match`` with 304; ``Vary: Accept-Encoding`` goes with every answer of the route.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from squall.file_sending import etag_listed
from squall.middleware.codings import brotli
from squall.precompressed import preferred_codings

GZIP_LEVEL: Final = 9
BROTLI_QUALITY: Final = 9


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, GZIP_LEVEL, mtime=0)  # mtime 0: the same bytes every time


def _brotli(data: bytes) -> bytes:
    return bytes(brotli.compress(data, quality=BROTLI_QUALITY))


ENCODERS: Final[dict[str, Callable[[bytes], bytes]]] = {"gzip": _gzip}
if brotli is not None:
    ENCODERS["br"] = _brotli


@dataclass(frozen=True, slots=True)
class Encoded:
    """One compressed copy of a file."""

    coding: str
    body: bytes
    etag: str

    def matches(self, if_none_match: str) -> bool:
        """Whether ``If-None-Match`` names this copy (a 304)."""
        return bool(if_none_match) and etag_listed(if_none_match, self.etag)


_made: dict[tuple[Path, str], Encoded] = {}
_making = threading.Lock()


def coding_for(accept_encoding: str) -> str | None:
    """The best coding ``accept_encoding`` takes that a copy can be made in (None: the
    file as it is)."""
    for coding in preferred_codings(accept_encoding):
        if coding in ENCODERS:
            return coding
    return None


def encode_now(path: Path, coding: str) -> Encoded:
    """The copy of ``path`` in ``coding``, made on the first call (blocking)."""
    with _making:
        made = _made.get((path, coding))
        if made is None:
            body = ENCODERS[coding](path.read_bytes())
            etag = f'"{coding}-{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
            made = _made[(path, coding)] = Encoded(coding, body, etag)
    return made


async def encoded(path: Path, coding: str) -> Encoded:
    """The copy of ``path`` in ``coding``: from memory, or made in a worker thread."""
    made = _made.get((path, coding))
    if made is not None:
        return made
    return await asyncio.to_thread(encode_now, path, coding)
