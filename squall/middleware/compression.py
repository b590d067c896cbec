"""``CompressionMiddleware`` (zstd, br, gzip negotiated from Accept-Encoding) and
``GZipMiddleware`` (Starlette's signature, gzip only).

In a Squall App the framework face compresses a response's bytes in one call, with no ASGI
messages; a streamed body chunk by chunk, each flushed so streaming stays live; a
FileResponse through the ASGI face (its 304s and 206s stay untouched, a 200 is read and
compressed instead of going out with sendfile); its hook form (Squall's native path) is an
``after`` doing the same on the outcome (called only for a request with Accept-Encoding).
Around any ASGI app, or a mounted one, the ASGI face does the same on the app's messages.  A
request without Accept-Encoding passes through untouched on every face.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from squall.middleware.base import SquallMiddleware
from squall.middleware.chain import CallNext
from squall.middleware.codings import PREFERENCE, Coding, offered_codings
from squall.middleware.compression_asgi import EncodingSender
from squall.middleware.compression_rules import (
    DEFAULT_CONTENT_TYPES,
    CompressionRules,
    ContentTypes,
    RawHeaders,
    accept_encoding,
    encoded_headers,
    with_vary,
)
from squall.middleware.hooks import Hooks
from squall.middleware.native_headers import first_value
from squall.native import NativeRequest
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import Body, Response, SelfSending

ASGIApp = Any
ACCEPT_ENCODING = b"accept-encoding"


class CompressionMiddleware(SquallMiddleware):
    """Compress responses with the best coding the client accepts.

    ``codings`` lists those offered, in the server's order of preference on a tie of
    q-values; one whose package is missing (``brotli``, ``zstandard``) is left out.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        minimum_size: int = 500,
        gzip_level: int = 6,
        brotli_quality: int = 3,
        zstd_level: int = 3,
        content_types: Iterable[str] = DEFAULT_CONTENT_TYPES,
        codings: Iterable[str] = PREFERENCE,
    ) -> None:
        super().__init__(app)
        levels = {"gzip": gzip_level, "br": brotli_quality, "zstd": zstd_level}
        offered = offered_codings(levels, tuple(codings))
        self.rules = CompressionRules(offered, minimum_size, ContentTypes(content_types))

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        accept = None
        for name, value in request.raw_headers:  # accept_encoding(), inlined: every request
            if name == b"accept-encoding":
                accept = value
                break
        if accept is None:
            return await call_next(request)
        response = await call_next(request)
        response.raw_headers, response.body = compressed(  # type: ignore[assignment]
            self.rules, accept, response.status_code, response.raw_headers, response.body
        )
        return response

    def hooks(self) -> Hooks:
        return Hooks(after=self._compress, after_header=ACCEPT_ENCODING)  # else: untouched

    def _compress(
        self, native: NativeRequest, request: Request | None, outcome: Outcome
    ) -> Outcome:
        accept = first_value(native.headers, ACCEPT_ENCODING)
        if accept is None:
            return outcome
        status, headers, body = outcome
        headers, body = compressed(self.rules, accept, status, headers, body)
        return status, headers, body

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accept = accept_encoding(scope.get("headers", ()))
        if accept is None:
            await self.app(scope, receive, send)
            return
        rules = self.rules
        await self.app(scope, receive, EncodingSender(send, rules, rules.choose(accept)))


class GZipMiddleware(CompressionMiddleware):
    """Starlette's ``GZipMiddleware``: gzip only, at ``compresslevel``."""

    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 500,
        compresslevel: int = 9,
        *,
        content_types: Iterable[str] = DEFAULT_CONTENT_TYPES,
    ) -> None:
        super().__init__(
            app,
            minimum_size=minimum_size,
            gzip_level=compresslevel,
            content_types=content_types,
            codings=("gzip",),
        )


def compressed(
    rules: CompressionRules, accept: bytes, status: int, headers: RawHeaders, body: Any
) -> tuple[RawHeaders, Body]:
    """A response's headers and body as they leave for a client sending ``accept`` (both
    faces in a Squall App: new ones when they change, ``headers`` is never changed)."""
    if not rules.eligible(status, headers):
        return headers, body
    coding = rules.choose(accept)
    if isinstance(body, bytes):
        return _encoded_bytes(rules, coding, headers, body)
    if isinstance(body, SelfSending):
        return headers, _EncodedSending(body, rules, coding)  # type: ignore[return-value]
    if coding is None:
        return with_vary(headers), body
    return encoded_headers(headers, coding, None), _encoded_stream(body, coding)


def _encoded_bytes(
    rules: CompressionRules, coding: Coding | None, headers: RawHeaders, body: bytes
) -> tuple[RawHeaders, bytes]:
    """A whole body: encoded in one call, unless too small (or no coding is accepted)."""
    if not rules.big_enough(len(body)):
        return headers, body
    if coding is None:
        return with_vary(headers), body
    encoded = coding.compress(body)
    return encoded_headers(headers, coding, len(encoded)), encoded


async def _encoded_stream(parts: AsyncIterator[bytes], coding: Coding) -> AsyncIterator[bytes]:
    """Each part encoded and flushed as it comes: the client decodes it before the next."""
    stream = coding.stream()
    try:
        async for part in parts:
            if part:
                yield stream.chunk(part)
        yield stream.finish()
    finally:
        close = getattr(parts, "aclose", None)
        if close is not None:
            await close()


class _EncodedSending(SelfSending):
    """A body that sends itself (a file), sent through the ASGI face's encoder."""

    def __init__(self, body: SelfSending, rules: CompressionRules, coding: Coding | None) -> None:
        self.body = body
        self.rules = rules
        self.coding = coding

    def __aiter__(self) -> Any:
        return self.body.__aiter__()  # type: ignore[attr-defined]

    async def send(
        self,
        send: Any,
        scope: Mapping[str, Any],
        status: int,
        headers: RawHeaders,
        receive: Any = None,
    ) -> None:
        encoding = EncodingSender(send, self.rules, self.coding)
        await self.body.send(encoding, scope, status, headers, receive)
