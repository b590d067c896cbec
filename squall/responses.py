"""Responses an endpoint can return instead of a value to encode as JSON."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any

import msgspec

from squall.native import NativeRequest

RawHeaders = list[tuple[bytes, bytes]]
Body = bytes | AsyncIterator[bytes]
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
    def from_parts(cls, status_code: int, raw_headers: RawHeaders, body: Body) -> Response:
        """A response from what the app computed (for middleware to look at and change)."""
        response = cls.__new__(cls)
        response.status_code = status_code
        response.raw_headers = list(raw_headers)
        response.body = body  # type: ignore[assignment]  # bytes, or a stream
        return response

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode("latin-1"): v.decode("latin-1") for k, v in self.raw_headers}

    def set_cookie(
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = "lax",
    ) -> None:
        parts = [f"{key}={value}", f"Path={path}"]
        if max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if domain:
            parts.append(f"Domain={domain}")
        if secure:
            parts.append("Secure")
        if httponly:
            parts.append("HttpOnly")
        if samesite:
            parts.append(f"SameSite={samesite.capitalize()}")
        self.raw_headers.append((b"set-cookie", "; ".join(parts).encode("latin-1")))

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


class StreamingResponse(Response):
    """A body produced piece by piece: an (async) iterable of bytes or str."""

    def __init__(
        self,
        content: AsyncIterable[bytes | str] | Iterable[bytes | str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        super().__init__(b"", status_code, headers, media_type)
        self.body = _as_async_bytes(content)  # type: ignore[assignment]


async def _as_async_bytes(
    content: AsyncIterable[bytes | str] | Iterable[bytes | str],
) -> AsyncIterator[bytes]:
    if isinstance(content, AsyncIterable):
        async for part in content:
            yield part if isinstance(part, bytes) else part.encode("utf-8")
    else:
        for part in content:
            yield part if isinstance(part, bytes) else part.encode("utf-8")


async def emit_native(native: NativeRequest, status: int, headers: RawHeaders, body: Body) -> None:
    """Send a response through Squall's native request."""
    if isinstance(body, bytes):
        native.respond(status, headers, body)
        return
    await native.start_response(status, headers)
    async for part in body:
        if part:
            await native.write(part)
    await native.end_response()


async def emit_asgi(send: Any, status: int, headers: RawHeaders, body: Body) -> None:
    """Send a response as ASGI messages."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if isinstance(body, bytes):
        await send({"type": "http.response.body", "body": body})
        return
    async for part in body:
        if part:
            await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


class RedirectResponse(Response):
    def __init__(self, url: str, status_code: int = 307, headers: Mapping[str, str] | None = None):
        super().__init__(b"", status_code, {**(headers or {}), "location": url})
