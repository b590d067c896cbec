"""Parsing submitted forms: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Multipart needs the optional ``python-multipart`` package (``pip install 'squall[forms]'``);
it is imported on the first multipart form, so apps without forms never load it.  Files
land in spooled temporary files (in memory up to 1 MiB, then on disk).  A malformed form,
or one past the limits, is the client's error: ``HTTPException(400)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile
from typing import Any
from urllib.parse import parse_qsl

from squall.datastructures import FormData, FormValue, Headers, UploadFile
from squall.exceptions import HTTPException

SPOOL_MAX_SIZE = 1024 * 1024  # an uploaded file moves from memory to disk past this size


@dataclass(frozen=True)
class FormLimits:
    max_files: int = 1000
    max_fields: int = 1000
    max_part_size: int = 1024 * 1024  # a non-file field's largest size, in bytes


def content_type_of(header: str) -> tuple[str, dict[str, str]]:
    """``"multipart/form-data; boundary=x"`` -> ``("multipart/form-data", {"boundary": "x"})``."""
    kind, *params = header.split(";")
    options = {}
    for param in params:
        name, _, value = param.strip().partition("=")
        options[name.lower()] = value.strip('"')
    return kind.strip().lower(), options


async def parse_form(content_type: str, body: bytes, limits: FormLimits) -> FormData:
    """The form in ``body``; an empty FormData for a body that is not a form (as Starlette)."""
    kind, options = content_type_of(content_type)
    if kind == "multipart/form-data":
        boundary = options.get("boundary")
        if not boundary:
            raise HTTPException(400, "Missing boundary in multipart form")
        return await _MultipartReader(boundary.encode("latin-1"), limits).read(body)
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
        if len(pairs) > limits.max_fields:
            raise HTTPException(400, f"Too many fields: more than {limits.max_fields}")
        return FormData(pairs)
    return FormData()


def _multipart() -> Any:
    try:
        import python_multipart
    except ImportError:  # pragma: no cover - the dev extra installs it
        raise RuntimeError(
            "multipart forms need python-multipart: pip install 'squall[forms]'"
        ) from None
    return python_multipart


@dataclass
class _Part:
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    name: str = ""
    data: bytearray = field(default_factory=bytearray)
    upload: UploadFile | None = None


class _MultipartReader:
    """Feeds a multipart body to python-multipart's parser and collects the fields."""

    def __init__(self, boundary: bytes, limits: FormLimits) -> None:
        self.boundary = boundary
        self.limits = limits
        self.part = _Part()
        self.fields: list[tuple[str, FormValue]] = []
        self.files = 0
        self.problem: str | None = None
        self.pending: list[tuple[UploadFile, bytes]] = []  # file data to write, in order

    async def read(self, body: bytes) -> FormData:
        module = _multipart()
        parser = module.MultipartParser(
            self.boundary,
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
        try:
            parser.write(body)
            parser.finalize()
        except module.exceptions.MultipartParseError as exc:
            self.problem = self.problem or f"Malformed multipart form: {exc}"
        if self.problem is not None:
            for upload, _ in self.pending:
                upload.file.close()
            raise HTTPException(400, self.problem)
        for upload, data in self.pending:
            await upload.write(data)
        for _, value in self.fields:
            if isinstance(value, UploadFile):
                await value.seek(0)
        return FormData(self.fields)

    def _part_begin(self) -> None:
        self.part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

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
            self._fail("A multipart part has no Content-Disposition header")
            return
        _, options = _multipart().multipart.parse_options_header(disposition)
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            if len(self.fields) - self.files >= self.limits.max_fields:
                self._fail(f"Too many fields: more than {self.limits.max_fields}")
            return
        self.files += 1
        if self.files > self.limits.max_files:
            self._fail(f"Too many files: more than {self.limits.max_files}")
            return
        spool = SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115  # the UploadFile owns it
        part.upload = UploadFile(
            spool,  # type: ignore[arg-type]
            size=0,
            filename=filename.decode("utf-8", "replace"),
            headers=headers,
        )

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        part.data += data[start:end]
        if part.upload is None and len(part.data) > self.limits.max_part_size:
            self._fail(f"A form field is larger than {self.limits.max_part_size} bytes")

    def _part_end(self) -> None:
        part = self.part
        if part.upload is None:
            self.fields.append((part.name, part.data.decode("utf-8", "replace")))
        else:
            self.pending.append((part.upload, bytes(part.data)))
            self.fields.append((part.name, part.upload))

    def _fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem
