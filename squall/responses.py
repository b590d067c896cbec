"""Responses an endpoint can return instead of a value to encode as JSON."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from datetime import datetime
from typing import Any
from urllib.parse import quote

from squall.cookies import SameSite, set_cookie_value
from squall.datastructures import MutableHeaders
from squall.encoders import encode_json
from squall.native import NativeRequest

RawHeaders = list[tuple[bytes, bytes]]
Body = bytes | AsyncIterator[bytes]


class Response:
    media_type: str | None = None
    charset = "utf-8"
    # Awaited once the response has been sent (a BackgroundTask or BackgroundTasks).
    background: Callable[[], Awaitable[None]] | None = None

    def __init__(
        self,
        content: Any = b"",
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if background is not None:
            self.background = background
        self.status_code = status_code
        self.body = self.render(content)
        media_type = media_type or self.media_type
        self.raw_headers: RawHeaders = []
        if media_type is not None:
            if media_type.startswith("text/") and "charset=" not in media_type.lower():
                media_type += f"; charset={self.charset}"
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
    def headers(self) -> MutableHeaders:
        """The response's headers: changes made here are the ones sent."""
        return MutableHeaders(raw=self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
    ) -> None:
        """Add a ``Set-Cookie`` header; the value is quoted as ``http.cookies`` does."""
        cookie = set_cookie_value(
            key,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )
        self.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
    ) -> None:
        """Tell the client to drop a cookie (expired now, max-age 0)."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    def set_header(self, name: str, value: str) -> None:
        self.headers[name] = value

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes | bytearray | memoryview):
            return bytes(content)
        return str(content).encode(self.charset)


class JSONResponse(Response):
    """``content`` encoded as JSON the way endpoint results are: dicts, lists, msgspec
    Structs, dataclasses, pydantic models, datetimes, UUIDs, Decimals, enums..."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return encode_json(content)


class PlainTextResponse(Response):
    media_type = "text/plain; charset=utf-8"


class HTMLResponse(Response):
    media_type = "text/html; charset=utf-8"


class StreamingResponse(Response):
    """A body produced piece by piece: an (async) iterable of bytes or str.

    An async iterable is iterated on the event loop; a plain (sync) one in the thread pool,
    so a blocking generator (a file, a database cursor) never stalls other requests."""

    def __init__(
        self,
        content: AsyncIterable[bytes | str] | Iterable[bytes | str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(b"", status_code, headers, media_type, background)
        self.body = _as_async_bytes(content)  # type: ignore[assignment]


async def _as_async_bytes(
    content: AsyncIterable[bytes | str] | Iterable[bytes | str],
) -> AsyncIterator[bytes]:
    parts = content if isinstance(content, AsyncIterable) else _in_threads(iter(content))
    async for part in parts:
        yield part if isinstance(part, bytes) else part.encode("utf-8")


_DONE = object()


async def _in_threads(iterator: Iterator[Any]) -> AsyncIterator[Any]:
    """Each ``next(iterator)`` in the loop's default thread pool; closed there at the end.

    Closed also when cancelled mid-``next`` (the client went): a generator cannot be closed
    while it runs, so its close is queued to follow that ``next`` in the thread, unawaited
    (a generator blocked on a queue would otherwise hold the request until its next item)."""
    loop = asyncio.get_running_loop()
    running = threading.Lock()
    try:
        while True:
            part = await loop.run_in_executor(None, _step, iterator, running)
            if part is _DONE:
                return
            yield part
    finally:
        closing = loop.run_in_executor(None, _close, iterator, running)
        if not running.locked():  # no next() in flight: the close is quick
            await closing


def _step(iterator: Iterator[Any], running: threading.Lock) -> Any:
    with running:
        return next(iterator, _DONE)


def _close(iterator: Iterator[Any], running: threading.Lock) -> None:
    with running:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


class SelfSending:
    """A body that sends itself as ASGI messages, knowing the request (a file: ranges,
    conditional requests and the server's zero-copy extensions; server-sent events: the
    client's disconnect, heard through ``receive``, which a sender may not have: None)."""

    async def send(
        self,
        send: Any,
        scope: Mapping[str, Any],
        status: int,
        headers: RawHeaders,
        receive: Any = None,
    ) -> None:
        raise NotImplementedError


async def emit_native(native: NativeRequest, status: int, headers: RawHeaders, body: Body) -> None:
    """Send a response through Squall's native request."""
    if isinstance(body, bytes):
        native.respond(status, headers, body)
        return
    if isinstance(body, SelfSending):
        await body.send(native.send, native.scope(), status, headers, native.receive)
        return
    await native.start_response(status, headers)
    async for part in body:
        if part:
            await native.write(part)
    await native.end_response()


async def emit_asgi(
    send: Any,
    status: int,
    headers: RawHeaders,
    body: Body,
    scope: Mapping[str, Any] | None = None,
    receive: Any = None,
) -> None:
    """Send a response as ASGI messages (the request's ``scope`` and ``receive`` for a
    SelfSending body)."""
    if isinstance(body, SelfSending):
        await body.send(send, scope or {}, status, headers, receive)
        return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if isinstance(body, bytes):
        await send({"type": "http.response.body", "body": body})
        return
    async for part in body:
        if part:
            await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


class RedirectResponse(Response):
    """A redirect (307 by default, as Starlette) to ``url``, percent-encoded where needed."""

    def __init__(
        self,
        url: Any,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        location = quote(str(url), safe=_URL_SAFE)
        headers = {**(headers or {}), "location": location}
        super().__init__(b"", status_code, headers, background=background)


_URL_SAFE = ":/%#?=@[]!$&'()*+,;~"


def __getattr__(name: str) -> Any:
    if name == "FileResponse":  # its module imports this one
        from squall.file_response import FileResponse

        return FileResponse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
