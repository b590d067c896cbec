"""The native interface between Squall's server and an app that opts in (the Squall framework).

An ASGI app works unchanged on Squall's server.  An app that also exposes
``__squall_native__`` (HTTP) or ``__squall_native_websocket__`` (WebSocket, see the second half
of this module) gets a faster path: after lifespan startup the server calls
``app.__squall_native__()``; if that returns a handler (not ``None``), every HTTP request is
given to ``await handler(request)`` with a :class:`NativeRequest` built straight from the
parser, instead of ``await app(scope, receive, send)``.  No ASGI message dicts are built
unless the app asks for them (``scope()``, ``receive()``, ``send()`` stay available, e.g. for
mounted ASGI sub-apps).

Rules for an HTTP handler:
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

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol

Message = dict[str, Any]
RawHeaders = Sequence[tuple[bytes, bytes]]


class ClientDisconnected(ConnectionError):
    """The client went away before the request body was read in full.

    The framework exports it as ``squall.requests.ClientDisconnect`` (Starlette's name)."""


class ClientGone(OSError):
    """Raised by ``send``/``respond`` once the client has disconnected (ASGI spec 2.4)."""


class NativeConnection(Protocol):
    """What an HTTP request and a WebSocket share: the request line's and the peer's side."""

    path: str  # percent-decoded, without root_path handling
    raw_path: bytes  # as sent, without the query string
    query_string: bytes
    headers: list[tuple[bytes, bytes]]  # names lower-cased

    @property
    def scheme(self) -> str:  # "http"/"https" ("ws"/"wss" for a WebSocket)
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
        """Build the full ASGI scope (``http`` or ``websocket``; a new dict each call)."""
        ...

    def receive(self) -> Awaitable[Message]: ...

    def send(self, message: Message) -> Awaitable[None]: ...


class NativeRequest(NativeConnection, Protocol):
    method: str
    http_version: str  # "1.1" or "1.0"
    content_type: bytes  # the Content-Type header's value (b"" if none): the server picks it
    # out while it reads the head, so the app's JSON check costs one comparison

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


# -- WebSocket ----------------------------------------------------------------------------------
#
# An app may also expose ``__squall_native_websocket__``: after lifespan startup the server
# calls it; if that returns a handler (not ``None``), every accepted upgrade is given to
# ``await handler(websocket)`` with a :class:`NativeWebSocket` (the server's connection
# object itself) instead of ``await app(scope, receive, send)``.  Messages are plain ``str``
# (text) and ``bytes`` (binary): no ASGI message dicts.
#
# Rules for a handler:
# - answer the handshake with exactly one of ``accept(...)``, ``close(...)`` (before accept:
#   the server refuses with 403) or ``respond(...)`` (an ordinary HTTP response, the
#   ``websocket.http.response`` extension's); or with ASGI ``receive()``/``send()``, which
#   stay available (a mounted ASGI sub-app), starting from ``websocket.connect``;
# - ``receive_message()`` raises :class:`WebSocketClosed` once the socket is closed (the
#   peer's close frame, or 1006 when the TCP connection ended without one);
# - ``send_message()`` and ``close()`` raise :class:`ClientGone` once the socket is closing
#   or closed; ``send_message()`` returns an awaitable that is already done unless the
#   transport's write buffer is over its high-water mark (then it waits for the drain);
# - when the handler returns, an open socket is closed (1000; 1011 after an exception), an
#   unanswered handshake is refused with 403; an exception is logged.


class WebSocketClosed(Exception):
    """The WebSocket is closed: the close code and reason the peer sent (1006: none came)."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class NativeWebSocket(NativeConnection, Protocol):
    subprotocols: list[str]  # offered by the client, in its order of preference

    def accept(self, subprotocol: str | None = None, headers: RawHeaders = ()) -> None:
        """Complete the handshake: the 101 response, with ``headers`` added to it."""
        ...

    def receive_message(self) -> Awaitable[str | bytes]:
        """The next message: ``str`` for text, ``bytes`` for binary."""
        ...

    def send_message(self, data: str | bytes) -> Awaitable[None]:
        """Send a text (``str``) or binary (``bytes``) message; written at once."""
        ...

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start the close handshake (before ``accept``: refuse the upgrade with 403)."""
        ...

    def respond(self, status: int, headers: RawHeaders, body: bytes) -> None:
        """Refuse the upgrade with a complete HTTP response (before ``accept`` only)."""
        ...

    def recover_with(self, recover: Callable[[Exception], Coroutine[Any, Any, Any]]) -> None:
        """Called by the handler itself (before it returns its coroutine): should that
        coroutine raise an Exception, ``recover(exc)`` is called and the coroutine it returns
        runs in its place, in the same task and context (once).  A framework catches its
        route's errors this way without a coroutine of its own around the route's: every
        coroutine between the server and the app's read is paid on each message."""
        ...


NativeWebSocketHandler = Callable[[NativeWebSocket], Awaitable[None]]


# -- Graceful shutdown --------------------------------------------------------------------------
#
# A response that never ends by itself (a Server-Sent Events stream) would hold a graceful
# shutdown until its timeout.  When the server starts one (SIGTERM/SIGINT, or a worker drained
# before it is replaced) it announces it for its event loop; such a response waits on
# ``shutdown_announced(loop)`` next to its work and ends cleanly when it is set.  An ordinary
# request pays nothing and is left to finish.  Per loop: several servers may share a process
# (one per thread), and each stops on its own.

_ANNOUNCEMENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
    weakref.WeakKeyDictionary()
)


def shutdown_announced(loop: asyncio.AbstractEventLoop) -> asyncio.Event:
    """The event set when the server on ``loop`` starts shutting down (call on ``loop``)."""
    announced = _ANNOUNCEMENTS.get(loop)
    if announced is None:
        announced = _ANNOUNCEMENTS[loop] = asyncio.Event()
    return announced


def announce_shutdown(loop: asyncio.AbstractEventLoop) -> None:
    """The server on ``loop`` is shutting down: wake whatever waits for it (a server started
    later on the same loop starts with a fresh event)."""
    announced = _ANNOUNCEMENTS.pop(loop, None)
    if announced is not None:
        announced.set()
