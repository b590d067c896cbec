"""The native interface between Squall's server and an app that opts in (the Squall framework).

An ASGI app works unchanged on Squall's server.  An app that also exposes
``__squall_native__`` gets a faster path: after lifespan startup the server calls
``app.__squall_native__()``; if that returns a handler (not ``None``), every HTTP request is
given to ``await handler(request)`` with a :class:`NativeRequest` built straight from the
parser, instead of ``await app(scope, receive, send)``.  No ASGI message dicts are built
unless the app asks for them (``scope()``, ``receive()``, ``send()`` stay available, e.g. for
mounted ASGI sub-apps).

Rules for a handler:
- answer with exactly one of: ``respond(...)`` (whole response at once), or
  ``start_response(...)`` + ``write(...)``/``end_response()`` (streaming), or ASGI ``send()``.
- the server adds ``date``/``server`` (and ``content-length`` for ``respond`` when absent,
  ``transfer-encoding: chunked`` when streaming with no content-length on HTTP/1.1), drops
  the body for HEAD, decides keep-alive, and turns an exception into a 500 (or a closed
  connection once the response has started).

This module is a leaf: it imports nothing from squall, so the framework speaks this contract
without loading the server (``import squall`` imports no ``squall.server`` module).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

Message = dict[str, Any]
RawHeaders = Sequence[tuple[bytes, bytes]]


class ClientDisconnected(ConnectionError):
    """The client went away before the request body was read in full.

    The framework exports it as ``squall.requests.ClientDisconnect`` (Starlette's name)."""


class ClientGone(OSError):
    """Raised by ``send``/``respond`` once the client has disconnected (ASGI spec 2.4)."""


class NativeRequest(Protocol):
    method: str
    path: str  # percent-decoded, without root_path handling
    raw_path: bytes  # as sent, without the query string
    query_string: bytes
    headers: list[tuple[bytes, bytes]]  # names lower-cased
    http_version: str  # "1.1" or "1.0"
    content_type: bytes  # the Content-Type header's value (b"" if none): the server picks it
    # out while it reads the head, so the app's JSON check costs one comparison

    @property
    def scheme(self) -> str:  # "http" or "https"
        ...

    @property
    def client(self) -> tuple[str, int] | None: ...

    @property
    def server(self) -> tuple[str, int] | None: ...

    @property
    def root_path(self) -> str: ...

    @property
    def state(self) -> dict[str, Any]:  # shallow copy of the lifespan state
        ...

    def scope(self) -> dict[str, Any]:
        """Build the full ASGI ``http`` scope for this request (a new dict each call)."""
        ...

    def receive(self) -> Awaitable[Message]: ...

    def send(self, message: Message) -> Awaitable[None]: ...

    async def body(self) -> bytes:
        """The whole request body; raises ClientDisconnected if the client goes first."""
        ...

    def ready_body(self) -> bytes | None:
        """The whole body without waiting, if it has all arrived (the usual case) and was
        not read yet; else None (then ``await body()``)."""
        ...

    def stream(self) -> AsyncIterator[bytes]:
        """The request body chunk by chunk, as it arrives."""
        ...

    disconnected: bool

    def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        """Send a complete response (status line, headers, body) in one write."""
        ...

    async def start_response(self, status: int, headers: RawHeaders) -> None: ...

    async def write(self, data: bytes) -> None:
        """Send part of a started response's body; waits while the client reads slowly."""
        ...

    async def end_response(self) -> None: ...


NativeHandler = Callable[[NativeRequest], Awaitable[None]]
