"""``multipart/form-data`` read chunk by chunk with python-multipart's push parser.

The parser calls back synchronously while it scans a chunk; the callbacks only take notes
(text fields grow in memory, up to ``max_part_size``; a file part's bytes wait in a list).
After each chunk the waiting file bytes are written to the part's ``UploadFile`` (a spooled
temporary file: in memory up to ``spool_max_size``, then on disk, written from a thread), so
at most one received chunk of file data is held beyond the spool.  Every limit is checked
as the bytes come, and a body that ends inside a part is refused (400), never half-read.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from tempfile import SpooledTemporaryFile
from typing import Any

from squall.datastructures import FormData, FormValue, Headers, UploadFile
from squall.forms import FormError, FormLimits, too_large, too_many


def _python_multipart() -> Any:
    try:
        import python_multipart
    except ImportError:  # pragma: no cover - the dev extra installs it
        raise RuntimeError(
            "multipart forms need python-multipart: pip install 'squall[forms]'"
        ) from None
    return python_multipart


async def read_multipart(
    boundary: bytes, chunks: AsyncIterator[bytes], limits: FormLimits
) -> FormData:
    """The form in a multipart body; its uploads are closed again if it is refused."""
    reader = _MultipartReader(boundary, limits)
    try:
        return await reader.read(chunks)
    except BaseException:
        await reader.close_uploads()
        raise


class _Part:
    """The part being read: its headers so far, then its name and where its bytes go."""

    __slots__ = (
        "header_name", "header_size", "header_value", "headers", "name", "size", "text", "upload",
    )  # fmt: skip

    def __init__(self) -> None:
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.header_size = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.name = ""
        self.size = 0  # bytes of data so far
        self.text = bytearray()
        self.upload: UploadFile | None = None


class _MultipartReader:
    def __init__(self, boundary: bytes, limits: FormLimits) -> None:
        self.module = _python_multipart()
        self.limits = limits
        self.part = _Part()
        self.fields: list[tuple[str, FormValue]] = []
        self.uploads: list[UploadFile] = []
        self.text_fields = 0
        self.writes: list[tuple[UploadFile, bytes]] = []  # file data of this chunk, in order
        self.parser = self.module.MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    async def read(self, chunks: AsyncIterator[bytes]) -> FormData:
        received = False
        async for chunk in chunks:
            received = received or bool(chunk)
            self._feed(chunk)
            await self._write_files()
        if not received:
            return FormData()  # no body at all: no form (its fields are missing)
        self._feed(None)
        for upload in self.uploads:
            await upload.seek(0)
        return FormData(self.fields)

    def _feed(self, chunk: bytes | None) -> None:
        errors = self.module.exceptions.MultipartParseError
        try:
            if chunk is None:
                self.parser.finalize()
            else:
                self.parser.write(chunk)
        except errors as exc:
            raise FormError(400, f"Malformed multipart form: {exc}") from None
        if chunk is None and self.parser.state != self.module.multipart.MultipartState.END:
            raise FormError(400, "Malformed multipart form: the body ended inside a part")

    async def _write_files(self) -> None:
        """Write the file bytes this chunk brought to their UploadFiles, one write per file."""
        writes = self.writes
        if not writes:
            return
        self.writes = []
        for upload, pieces in itertools.groupby(writes, key=lambda write: write[0]):
            data = [piece for _, piece in pieces]
            await upload.write(data[0] if len(data) == 1 else b"".join(data))

    async def close_uploads(self) -> None:
        for upload in self.uploads:
            await upload.close()

    # -- python-multipart's callbacks (synchronous) ---------------------------------------

    def _part_begin(self) -> None:
        self.part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.part.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.part.header_value += data[start:end]

    def _count_header(self, size: int) -> None:
        part = self.part
        part.header_size += size
        limit = self.limits.max_part_header_size
        if part.header_size > limit:
            message = f"A multipart part's headers are larger than {limit} bytes"
            raise FormError(400, f"{message} (max_part_header_size)")

    def _header_end(self) -> None:
        part = self.part
        part.headers.append((bytes(part.header_name).lower(), bytes(part.header_value)))
        part.header_name = bytearray()
        part.header_value = bytearray()

    def _headers_finished(self) -> None:
        part = self.part
        headers = Headers(raw=part.headers)
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise FormError(400, "Malformed multipart form: a part has no Content-Disposition")
        _, options = self.module.multipart.parse_options_header(disposition)
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            self.text_fields += 1
            if self.text_fields > self.limits.max_fields:
                raise too_many("fields", self.limits.max_fields, "max_fields")
            return
        if len(self.uploads) >= self.limits.max_files:
            raise too_many("files", self.limits.max_files, "max_files")
        spool = SpooledTemporaryFile(max_size=self.limits.spool_max_size)  # noqa: SIM115  # the UploadFile owns it
        part.upload = UploadFile(
            spool,  # type: ignore[arg-type]
            size=0,
            filename=filename.decode("utf-8", "replace"),
            headers=headers,
        )
        self.uploads.append(part.upload)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        part.size += end - start
        upload = part.upload
        if upload is None:
            if part.size > self.limits.max_part_size:
                raise too_large("A form field", self.limits.max_part_size, "max_part_size")
            part.text += data[start:end]
            return
        limit = self.limits.max_file_size
        if limit is not None and part.size > limit:
            raise too_large(f"The file {upload.filename!r}", limit, "max_file_size")
        self.writes.append((upload, data[start:end]))

    def _part_end(self) -> None:
        part = self.part
        if part.upload is None:
            self.fields.append((part.name, part.text.decode("utf-8", "replace")))
        else:
            self.fields.append((part.name, part.upload))
