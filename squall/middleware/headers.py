"""Raw header lists as middleware read and change them: ``[(name, value), ...]`` in bytes,
names lower-cased (a request's headers on either path, an ASGI response's, a ``Response``'s
``raw_headers``).  Plain loops: a request has a handful of headers, and these run on every
request a middleware sees, so they build no dict and no ``Headers`` object."""

from __future__ import annotations

from collections.abc import Sequence

RawHeaders = list[tuple[bytes, bytes]]

VARY = b"vary"


def header_value(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The value of the first ``name`` header, or None when there is none."""
    for key, value in headers:
        if key == name:
            return value
    return None


def set_header(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """Make ``value`` the only ``name`` header (those already there go)."""
    for key, _ in headers:
        if key == name:
            headers[:] = [item for item in headers if item[0] != name]
            break
    headers.append((name, value))


def add_vary(headers: RawHeaders, field: bytes) -> None:
    """List ``field`` in the response's ``Vary`` unless it is there already (or ``Vary: *``):
    appended to the first ``Vary`` line, or in a new one."""
    for key, _ in headers:
        if key == VARY:
            _merge_vary(headers, field)
            return
    headers.append((VARY, field))  # the usual case: no Vary yet


def _merge_vary(headers: RawHeaders, field: bytes) -> None:
    first = -1
    wanted = field.lower()
    for index, (key, value) in enumerate(headers):
        if key == VARY:
            listed = [token.strip().lower() for token in value.split(b",")]
            if wanted in listed or b"*" in listed:
                return
            if first < 0:
                first = index
    before = headers[first][1].strip()
    headers[first] = (VARY, before + b", " + field if before else field)
