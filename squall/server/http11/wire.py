"""Bytes on the wire for HTTP/1.1 responses: status lines, header blocks, canned errors."""

from __future__ import annotations

from http import HTTPStatus

CRLF = b"\r\n"
LAST_CHUNK = b"0\r\n\r\n"


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b""


# Pre-encoded status lines: the hot path looks a line up instead of formatting it.
STATUS_LINES: dict[int, bytes] = {
    int(status): b"HTTP/1.1 %d %s\r\n" % (status, _reason(status)) for status in HTTPStatus
}


def status_line(status: int) -> bytes:
    line = STATUS_LINES.get(status)
    if line is None:
        if not 100 <= status <= 999:
            raise ValueError(f"invalid HTTP status code {status!r}")
        line = b"HTTP/1.1 %d %s\r\n" % (status, _reason(status))
    return line


def has_no_body(status: int) -> bool:
    """Statuses whose responses never carry a body (RFC 9110 6.4.1)."""
    return status < 200 or status == 204 or status == 304


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def error_response(status: int, reason: str, default_headers: bytes) -> bytes:
    """A complete plain-text error response that closes the connection."""
    body = reason.encode("utf-8") + b"\n"
    return b"".join(
        (
            status_line(status),
            default_headers,
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
            body,
        )
    )


CONTINUE_100 = b"HTTP/1.1 100 Continue\r\n\r\n"
