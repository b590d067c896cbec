"""Exceptions an endpoint raises to answer with an HTTP error, and the one invalid input raises."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any


class HTTPException(Exception):
    """Answer with ``status_code`` and ``{"detail": detail}`` (the status phrase by default)."""

    def __init__(
        self, status_code: int, detail: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        if detail is None:
            detail = HTTPStatus(status_code).phrase
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers or {})

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class RequestValidationError(Exception):
    """The request's parameters or body were missing or invalid: a 422 ``{"detail": errors}``.

    ``errors()`` lists one dict per problem (``loc``, ``msg``, ``type``); ``body`` is the
    received body (decoded JSON when it parses, else the raw bytes), or None if none was read.
    """

    def __init__(self, errors: Sequence[dict[str, Any]], *, body: Any = None) -> None:
        super().__init__(errors)
        self._errors = list(errors)
        self.body = body

    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def __str__(self) -> str:
        count = len(self._errors)
        return f"{count} validation error{'s' if count != 1 else ''}: {self._errors}"


class WebSocketException(Exception):
    """Raised in a WebSocket handler or dependency: close the socket with ``code`` and
    ``reason`` (before it is accepted, the server refuses the handshake with a 403)."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason or ""

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


class WebSocketRequestValidationError(Exception):
    """A WebSocket route's parameters (path, query, headers, cookies, dependencies) were
    missing or invalid: the socket is closed with 1008 (policy violation), as in FastAPI."""

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__(errors)
        self._errors = list(errors)

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


class MessageValidationError(WebSocketRequestValidationError):
    """A received message is not what ``receive_json(type=...)`` (or ``receive_text`` /
    ``receive_bytes``) expects: malformed JSON, invalid data or the other frame type.
    Catch it to answer and keep the socket open; left uncaught, the socket is closed with
    1003 (unsupported data)."""
