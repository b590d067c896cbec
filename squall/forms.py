"""Parsing submitted forms: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Both are parsed incrementally, chunk by chunk as the body arrives (``request.stream()``):
the body is never held whole.  A urlencoded body keeps at most one unfinished field;
multipart (squall/multipart.py, with the optional ``python-multipart`` package) writes file
parts straight to spooled temporary files.  A malformed form, or one past its limits, is the
client's error: :class:`FormError`, an ``HTTPException`` whose message names the limit hit
(400 for a count or a malformed form, 413 for a size).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from squall.datastructures import FormData, FormValue
from squall.exceptions import HTTPException

SPOOL_MAX_SIZE = 1024 * 1024  # an uploaded file moves from memory to disk past this size


@dataclass(frozen=True)
class FormLimits:
    """What a form may hold; ``App(form_limits=...)`` sets the app's, ``request.form(...)``
    overrides them per call.  Sizes are in bytes; None: no limit."""

    max_files: int = 1000  # file parts
    max_fields: int = 1000  # text fields
    max_part_size: int = 1024 * 1024  # one text field's value
    max_file_size: int | None = None  # one uploaded file (the server's --max-body-size holds)
    max_part_header_size: int = 16 * 1024  # the headers of one multipart part, together
    spool_max_size: int = SPOOL_MAX_SIZE  # an uploaded file is kept in memory up to this


class FormError(HTTPException):
    """A form the server refuses: malformed (400), too many parts (400), too large (413)."""


def too_many(what: str, limit: int, option: str) -> FormError:
    return FormError(400, f"Too many {what}: more than {limit} ({option})")


def too_large(what: str, limit: int, option: str) -> FormError:
    return FormError(413, f"{what} is larger than {limit} bytes ({option})")


class FormReading:
    """What ``request.form()`` returns: ``await`` it for the form, or ``async with`` it to
    have the form's files closed when the block ends (both as Starlette's)."""

    def __init__(self, read: Callable[[FormLimits], Awaitable[FormData]], limits: FormLimits):
        self._read = read
        self._limits = limits
        self._form: FormData | None = None

    def __await__(self) -> Generator[Any, None, FormData]:
        return self._read(self._limits).__await__()

    async def __aenter__(self) -> FormData:
        self._form = await self._read(self._limits)
        return self._form

    async def __aexit__(self, *exc_info: object) -> None:
        if self._form is not None:
            await self._form.close()


def limits_for(app: Any, overrides: dict[str, int | None]) -> FormLimits:
    """The app's limits (``App(form_limits=)``, else the defaults) with ``overrides`` (the
    keywords given to ``request.form()``, None meaning "the app's")."""
    limits: FormLimits = getattr(app, "form_limits", None) or FormLimits()
    given = {name: value for name, value in overrides.items() if value is not None}
    return dataclasses.replace(limits, **given) if given else limits


def content_type_of(header: str) -> tuple[str, dict[str, str]]:
    """``"multipart/form-data; boundary=x"`` -> ``("multipart/form-data", {"boundary": "x"})``."""
    kind, *params = header.split(";")
    options = {}
    for param in params:
        name, _, value = param.strip().partition("=")
        options[name.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), options


async def parse_form(
    content_type: str, chunks: AsyncIterator[bytes], limits: FormLimits
) -> FormData:
    """The form sent as ``chunks``; an empty FormData for a body that is not a form (as
    Starlette: the form's parameters are then missing, a 422)."""
    kind, options = content_type_of(content_type)
    if kind == "multipart/form-data":
        boundary = options.get("boundary")
        if not boundary:
            raise FormError(400, "Missing boundary in multipart form")
        from squall.multipart import read_multipart

        return await read_multipart(boundary.encode("latin-1"), chunks, limits)
    if kind == "application/x-www-form-urlencoded":
        return await read_urlencoded(chunks, limits)
    return FormData()


async def read_urlencoded(chunks: AsyncIterator[bytes], limits: FormLimits) -> FormData:
    """``a=1&b=2`` read as it arrives: each complete field is decoded at once, only the
    unfinished one is kept (and refused once it is past ``max_part_size``)."""
    pairs: list[tuple[str, FormValue]] = []
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        end = pending.rfind(b"&")
        if end >= 0:
            _add_fields(bytes(pending[:end]), pairs, limits)
            del pending[: end + 1]
        if len(pending) > limits.max_part_size:
            raise too_large("A form field", limits.max_part_size, "max_part_size")
    _add_fields(bytes(pending), pairs, limits)
    return FormData(pairs)


def _add_fields(fields: bytes, pairs: list[tuple[str, FormValue]], limits: FormLimits) -> None:
    if not fields:
        return
    for field in fields.split(b"&"):
        if len(field) > limits.max_part_size:
            raise too_large("A form field", limits.max_part_size, "max_part_size")
    found = parse_qsl(fields.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
    pairs.extend(found)
    if len(pairs) > limits.max_fields:
        raise too_many("fields", limits.max_fields, "max_fields")
