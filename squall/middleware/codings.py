"""Content codings for compression: which one a request accepts (RFC 9110, 12.5.3) and the
encoders (a whole body in one call, or a stream flushed after every chunk).

gzip needs only ``zlib``; ``br`` needs the ``brotli`` package and ``zstd`` the ``zstandard``
package (``pip install squall[compression]``).  A coding whose package is missing is never
offered, so it is never chosen.
"""

from __future__ import annotations

import functools
import importlib
import threading
import zlib
from collections.abc import Callable
from typing import Any, Final

from squall.precompressed import accepted_codings


def _optional(module: str) -> Any:
    """The module, or None when its package is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:  # pragma: no cover - the compression extra is in dev
        return None


brotli = _optional("brotli")
zstandard = _optional("zstandard")

# The server's preference on a tie of q-values (see README, "Compression": zstd and br give
# smaller JSON than gzip at a lower CPU cost per response at their default levels).
PREFERENCE: Final = ("zstd", "br", "gzip")
INSTALLED: Final = frozenset(
    name
    for name, present in (("zstd", zstandard is not None), ("br", brotli is not None))
    if present
) | {"gzip"}

GZIP_WBITS: Final = 16 + zlib.MAX_WBITS  # a gzip member (header, deflate, crc32 trailer)


class StreamEncoder:
    """Encodes a body chunk by chunk; each chunk's output is flushed so the client can
    decode everything sent so far (streaming stays live)."""

    def __init__(self, compress: Callable[[bytes], bytes], flush: Callable[[], bytes]) -> None:
        self._compress = compress
        self._flush = flush

    def chunk(self, data: bytes) -> bytes:
        return self._compress(data) + self._flush()

    def finish(self) -> bytes:
        raise NotImplementedError


class _GzipStream(StreamEncoder):
    def __init__(self, level: int) -> None:
        self._encoder = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
        super().__init__(self._encoder.compress, self._sync_flush)

    def _sync_flush(self) -> bytes:
        return self._encoder.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._encoder.flush(zlib.Z_FINISH)


class _BrotliStream(StreamEncoder):
    def __init__(self, quality: int) -> None:
        self._encoder = brotli.Compressor(quality=quality)
        super().__init__(self._encoder.process, self._encoder.flush)

    def finish(self) -> bytes:
        return bytes(self._encoder.finish())


class _ZstdStream(StreamEncoder):
    def __init__(self, level: int) -> None:
        self._encoder = zstandard.ZstdCompressor(level=level).compressobj()
        super().__init__(self._encoder.compress, self._flush_block)

    def _flush_block(self) -> bytes:
        return bytes(self._encoder.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK))

    def finish(self) -> bytes:
        return bytes(self._encoder.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH))


class Coding:
    """One content coding at one level: ``compress`` a whole body, or ``stream`` one."""

    def __init__(self, name: str, level: int) -> None:
        self.name = name
        self.level = level
        self.header = name.encode("latin-1")  # the Content-Encoding value
        self.compress: Callable[[bytes], bytes] = _one_shot(name, level)

    def stream(self) -> StreamEncoder:
        if self.name == "gzip":
            return _GzipStream(self.level)
        if self.name == "br":
            return _BrotliStream(self.level)
        return _ZstdStream(self.level)

    def __repr__(self) -> str:
        return f"Coding({self.name!r}, {self.level})"


def _one_shot(name: str, level: int) -> Callable[[bytes], bytes]:
    if name == "gzip":
        return functools.partial(zlib.compress, level=level, wbits=GZIP_WBITS)
    if name == "br":
        return functools.partial(brotli.compress, quality=level)
    return _ZstdPerThread(level).compress


class _ZstdPerThread(threading.local):
    """A zstd context reused for every body, one per thread (they are not thread-safe)."""

    def __init__(self, level: int) -> None:
        self.context = zstandard.ZstdCompressor(level=level)

    def compress(self, data: bytes) -> bytes:
        return self.context.compress(data)  # type: ignore[no-any-return]


def offered_codings(levels: dict[str, int], wanted: tuple[str, ...]) -> tuple[Coding, ...]:
    """The codings to offer, in the server's preference order: those in ``wanted`` that are
    installed, each at its level."""
    unknown = set(wanted) - set(PREFERENCE)
    if unknown:
        raise ValueError(f"unknown content codings {sorted(unknown)}: use {PREFERENCE}")
    return tuple(Coding(name, levels[name]) for name in wanted if name in INSTALLED)


@functools.lru_cache(maxsize=512)  # clients send a handful of distinct headers
def negotiate(header: str, names: tuple[str, ...]) -> int:
    """The position in ``names`` of the coding to use for ``header``, or -1 for none.

    The highest q-value wins; ties go to the earlier in ``names``.  A coding the header does
    not name gets the weight of ``*``, if any; q=0 refuses a coding.  A coding is used only
    if its weight is at least the identity's, when the header weighs identity (or ``*``).
    When no coding is acceptable the response goes unencoded, even with ``identity;q=0``:
    RFC 9110 (12.5.3) says a server SHOULD then send it without a content coding (no 406).
    """
    weights = accepted_codings(header)
    star = weights.get("*", 0.0)
    identity = weights.get("identity", star)
    best, best_weight = -1, 0.0
    for position, name in enumerate(names):
        weight = weights.get(name, star)
        if weight > best_weight and weight >= identity:
            best, best_weight = position, weight
    return best
