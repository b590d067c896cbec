"""``FileResponse``: a file from disk as the response (Starlette's signature).

Returned from an endpoint or called as an ASGI app, it stats and opens the file when sent,
answers ``If-None-Match``/``If-Modified-Since`` with 304 and ``Range`` with 206/416 (see
:mod:`squall.file_sending`), and sends the bytes with ``sendfile`` on Squall's server.
"""

from __future__ import annotations

import functools
import mimetypes
import os
import stat as stat_module
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Final
from urllib.parse import quote

from squall.file_ranges import FileSpan
from squall.file_sending import (
    OpenFile,
    Representation,
    answer_file,
    read_segments,
    send_answer,
)
from squall.responses import RawHeaders, Response, SelfSending

# What the platform's mimetypes table may lack or get wrong (RFC 9239 for JavaScript).
MODERN_TYPES: Final = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".wasm": "application/wasm",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
}


def guess_media_type(path: str) -> str:
    extension = os.path.splitext(path)[1].lower()
    known = MODERN_TYPES.get(extension)
    if known is not None:
        return known
    if not extension:  # mimetypes reads data: URLs too
        guessed, _ = mimetypes.guess_type(path, strict=False)
        return guessed or "application/octet-stream"
    return _type_by_extension(extension)


@functools.lru_cache(maxsize=256)
def _type_by_extension(extension: str) -> str:
    """mimetypes' answer for a file name ending in ``extension`` (it parses the name as a
    URL first: ~10x the cost of this cache's lookup, on every static file it serves)."""
    guessed, _ = mimetypes.guess_type("file" + extension, strict=False)
    return guessed or "application/octet-stream"


def open_regular(path: str) -> tuple[OpenFile, os.stat_result]:
    """Open ``path`` for reading and stat the open file; FileNotFoundError if it is not a
    regular file (a directory, a device...)."""
    file = OpenFile(path)
    try:
        stat_result = os.fstat(file.fd)
        if not stat_module.S_ISREG(stat_result.st_mode):
            raise FileNotFoundError(path)
    except BaseException:
        file.close()
        raise
    return file, stat_result


class FileBody(SelfSending):
    """The body of a FileResponse: read in chunks when iterated (by middleware, say); the
    framework's senders recognise it and send the file whole or in ranges instead."""

    def __init__(self, response: FileResponse) -> None:
        self.response = response
        self._parts: AsyncIterator[bytes] | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._read()

    async def __anext__(self) -> bytes:
        if self._parts is None:
            self._parts = self._read()
        return await self._parts.__anext__()

    async def _read(self) -> AsyncIterator[bytes]:
        file, stat_result = open_regular(self.response.path)
        with file:
            async for part in read_segments([FileSpan(0, stat_result.st_size)], file):
                yield part

    async def send(
        self,
        send: Any,
        scope: Mapping[str, Any],
        status: int,
        headers: RawHeaders,
        receive: Any = None,
    ) -> None:
        response = self.response
        path = response.path
        try:
            file, stat_result = open_regular(path)
        except FileNotFoundError:
            raise RuntimeError(f"File at path {path} does not exist.") from None
        with file:
            rep = Representation(path, stat_result, response.media_type or "")
            method = response.method or scope.get("method", "GET")
            answer = answer_file(rep, method, scope.get("headers", ()), status, headers)
            await send_answer(send, scope.get("extensions"), answer, file, os.path.abspath(path))


class FileResponse(Response):
    """The file at ``path``; ``filename`` adds a ``Content-Disposition`` (attachment)."""

    chunk_size = 64 * 1024

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Callable[[], Awaitable[None]] | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = os.fspath(path)
        self.filename = filename
        self.method = method
        self.stat_result = stat_result
        self.media_type = media_type or guess_media_type(filename or self.path)
        super().__init__(b"", status_code, headers, None, background)
        if filename is not None:
            disposition = _content_disposition(content_disposition_type, filename)
            self.raw_headers.append((b"content-disposition", disposition.encode("latin-1")))
        self.body = FileBody(self)  # type: ignore[assignment]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body: FileBody = self.body  # type: ignore[assignment]
        await body.send(send, scope, self.status_code, self.raw_headers)
        if self.background is not None:
            await self.background()


def _content_disposition(kind: str, filename: str) -> str:
    quoted = quote(filename)
    if quoted != filename:  # not plain ASCII: RFC 5987's encoded form
        return f"{kind}; filename*=utf-8''{quoted}"
    return f'{kind}; filename="{filename}"'
