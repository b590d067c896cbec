"""A request id for every request: taken from the client's header when it is valid, else made.

``app.add_middleware(RequestIdMiddleware)``: the id is on ``request.state.request_id``, in
the context variable :data:`request_id` (for log records: :class:`RequestIdFilter`), and
echoed in the response's ``X-Request-ID`` header (``header_name``).  An incoming id is used
when ``trust_incoming`` and ``validator(id)`` say so (by default: 1 to 128 characters of
letters, digits and ``-_.:+/=@``); otherwise ``generator()`` makes one (a UUID 4 in hex).

As plain ASGI middleware it sets ``scope["state"]["request_id"]`` (Starlette's
``request.state``) and the context variable for the app's call, for HTTP and WebSocket
scopes; the header is echoed on HTTP responses.  A Squall App's own WebSocket routes get
the id as ``websocket.state.request_id`` (and in the context variable) on either path.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from squall.middleware.base import ASGIApp, Message, SquallMiddleware
from squall.middleware.chain import CallNext
from squall.middleware.headers import header_value
from squall.middleware.hooks import Hooks
from squall.middleware.native_headers import first_value, has_header, without
from squall.native import NativeConnection, NativeRequest
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import Response

__all__ = ["RequestIdFilter", "RequestIdMiddleware", "request_id", "valid_request_id"]

# The id of the request being handled (None outside one).
request_id: ContextVar[str | None] = ContextVar("squall.request_id", default=None)

RawHeaders = list[tuple[bytes, bytes]]
_SAFE_ID = re.compile(r"[A-Za-z0-9\-_.:+/=@]{1,128}")


def valid_request_id(value: str) -> bool:
    """The default check of an incoming id: 1 to 128 safe characters (no spaces, quotes,
    semicolons or control characters: it goes into logs and a response header)."""
    return _SAFE_ID.fullmatch(value) is not None


def new_request_id() -> str:
    """A random UUID (version 4) in hex, as ``uuid4().hex`` gives, at a third of its cost
    (``UUID.__init__``'s checks are most of it: ~33k instructions per request before)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    return raw.hex()


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``default`` outside a request) for formats such as
    ``"%(request_id)s %(message)s"``; it lets every record through."""

    def __init__(self, name: str = "", default: str = "-") -> None:
        super().__init__(name)
        self.default = default

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        record.request_id = self.default if current is None else current
        return True


class RequestIdMiddleware(SquallMiddleware):
    """Takes a valid incoming request id or makes one; exposes and echoes it."""

    def __init__(
        self,
        app: ASGIApp,
        header_name: str = "X-Request-ID",
        generator: Callable[[], str] = new_request_id,
        trust_incoming: bool = True,
        validator: Callable[[str], bool] = valid_request_id,
    ) -> None:
        super().__init__(app)
        self.header = header_name.lower().encode("latin-1")
        self.generator = generator
        self.trust_incoming = trust_incoming
        self.validator = validator

    def choose(self, incoming: bytes | None) -> str:
        """The request's id: the incoming one (the header's value) if trusted and valid,
        else a new one."""
        if incoming is not None and self.trust_incoming:
            value = incoming.decode("latin-1")
            if self.validator(value):
                return value
        return self.generator()

    def echo(self, raw_headers: RawHeaders, value: str) -> None:
        """Put the id in the response's headers, replacing one the app set."""
        name = self.header
        if header_value(raw_headers, name) is not None:
            raw_headers[:] = [field for field in raw_headers if field[0] != name]
        raw_headers.append((name, value.encode("latin-1")))

    # -- In a Squall App ------------------------------------------------------------------------

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        value = self.choose(header_value(request.raw_headers, self.header))
        request.state["request_id"] = value  # request.state.request_id, without __setattr__
        # Not reset afterwards: the servers run each request in a context of its own, and
        # the work after the response (background tasks, dependency cleanup) logs with it.
        request_id.set(value)
        response = await call_next(request)
        self.echo(response.raw_headers, value)
        return response

    # -- Hooks, on Squall's native path ------------------------------------------------------

    def hooks(self) -> Hooks:
        return Hooks(
            before=self._assign,
            bind=self._expose,
            after=self._echo,
            socket_before=self._assign,
            socket_bind=self._expose,
        )

    def _assign(self, native: NativeConnection) -> None:
        # read back by the hooks after it (header names are lower-case: both of Squall's
        # parsers give them so; the lookup runs in C, native_headers.py)
        request_id.set(self.choose(first_value(native.headers, self.header)))

    def _expose(self, request: Request) -> None:
        request.state["request_id"] = request_id.get()

    def _echo(self, native: NativeRequest, request: Request | None, outcome: Outcome) -> Outcome:
        status, headers, body = outcome
        name = self.header  # echo()'s steps on a copy (the outcome's may be shared), in C
        changed = without(headers, name) if has_header(headers, name) else list(headers)
        changed.append((name, (request_id.get() or "").encode("latin-1")))
        return status, changed, body

    # -- Around any ASGI app ------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        value = self.choose(header_value(scope["headers"], self.header))
        scope["state"] = {**(scope.get("state") or {}), "request_id": value}
        token = request_id.set(value)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                self.echo(headers, value)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if kind == "http" else send)
        finally:
            request_id.reset(token)
