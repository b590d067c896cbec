"""Exceptions an endpoint raises to answer with an HTTP error."""

from __future__ import annotations

from collections.abc import Mapping
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
