"""Responses an endpoint can return instead of a value to encode as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

RawHeaders = list[tuple[bytes, bytes]]
_encode = msgspec.json.Encoder().encode


class Response:
    media_type: str | None = None

    def __init__(
        self,
        content: Any = b"",
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.body = self.render(content)
        media_type = media_type or self.media_type
        self.raw_headers: RawHeaders = []
        if media_type is not None:
            self.raw_headers.append((b"content-type", media_type.encode("latin-1")))
        for name, value in (headers or {}).items():
            self.raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))

    @classmethod
    def from_parts(cls, status_code: int, raw_headers: RawHeaders, body: bytes) -> Response:
        """A response from what the app computed (for middleware to look at and change)."""
        response = cls.__new__(cls)
        response.status_code = status_code
        response.raw_headers = list(raw_headers)
        response.body = body
        return response

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode("latin-1"): v.decode("latin-1") for k, v in self.raw_headers}

    def set_header(self, name: str, value: str) -> None:
        key = name.lower().encode("latin-1")
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != key]
        self.raw_headers.append((key, value.encode("latin-1")))

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):
            return content
        return str(content).encode("utf-8")


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encode(content)


class PlainTextResponse(Response):
    media_type = "text/plain; charset=utf-8"


class HTMLResponse(Response):
    media_type = "text/html; charset=utf-8"


class RedirectResponse(Response):
    def __init__(self, url: str, status_code: int = 307, headers: Mapping[str, str] | None = None):
        super().__init__(b"", status_code, {**(headers or {}), "location": url})
