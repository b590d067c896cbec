"""Sessions in a signed cookie: ``request.session`` is a dict kept between requests.

``app.add_middleware(SessionMiddleware, secret_key=...)`` takes Starlette's options.  The
session travels in one cookie (see ``session_cookie.py`` for its format): signed, not
encrypted -- the client can read it, not change it.  Keep it small: browsers drop a cookie
over 4096 bytes (a warning is logged when one is written).

- Lazy in a Squall App: the cookie is read and verified the first time an endpoint touches
  ``request.session``; a request that never does costs one attribute set (on Squall's
  native path, a route that takes no ``Request`` costs one call: nothing can touch it).
- The cookie is written only when the session changed (compared by its JSON, so a change
  inside a nested list or dict counts) and cleared when a session that came with the request
  was emptied, or when the cookie that came was invalid or expired.  An unchanged session is
  not sent again, so ``max_age`` counts from the last change (Starlette does the same).
- A response whose session was read gets ``Vary: Cookie``.
- As plain ASGI middleware (around any app, and a Squall App's mounts) it sets
  ``scope["session"]``, as Starlette's does, loaded before the app runs; WebSocket scopes get
  the session too (read-only: no cookie can be set on them).  A Squall App's own WebSocket
  routes get it as ``websocket.session`` (on Squall's native path, read when first used).
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from squall.cookies import parse_cookie_header
from squall.datastructures import MutableHeaders
from squall.middleware.base import ASGIApp, Message, SquallMiddleware
from squall.middleware.chain import CallNext
from squall.middleware.hooks import Hooks
from squall.middleware.session_cookie import Clock, SignedCookie, dump_session, load_session
from squall.native import NativeRequest
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import Response

__all__ = ["Session", "SessionMiddleware"]

logger = logging.getLogger("squall.middleware.sessions")

BROWSER_COOKIE_LIMIT = 4096  # bytes of name=value browsers keep (RFC 6265 §6.1's minimum)
_EXPIRED = "Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
_NOT_IN_NAMES = frozenset('()<>@,;:\\"/[]?={} \t\r\n\0')  # RFC 6265: a name is a token
RawHeaders = list[tuple[bytes, bytes]]


class Session(dict[str, Any]):
    """The session's values, with what came in the request (to tell whether it changed)."""

    __slots__ = ("accessed", "arrived", "had_cookie")

    def __init__(self, values: dict[str, Any], arrived: bytes | None, had_cookie: bool) -> None:
        super().__init__(values)
        self.arrived = arrived  # the JSON of the valid cookie that came, if one did
        self.had_cookie = had_cookie  # a cookie of that name came, valid or not
        self.accessed = False  # read through request.session (Squall's or Starlette's)

    def mark_accessed(self) -> None:
        """Called by ``request.session`` (Starlette's too): the response varies on Cookie."""
        self.accessed = True


class SessionMiddleware(SquallMiddleware):
    """``request.session`` from a signed cookie; ``secret_key`` may be a list (rotation:
    the first signs, all verify)."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: Any,
        session_cookie: str = "session",
        max_age: int | None = 14 * 24 * 60 * 60,  # 14 days
        path: str = "/",
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
        domain: str | None = None,
        partitioned: bool = False,
        *,
        clock: Clock = time.time,  # for tests: the time stamped into and checked in cookies
    ) -> None:
        super().__init__(app)
        if not session_cookie or any(char in _NOT_IN_NAMES for char in session_cookie):
            raise ValueError(f"invalid cookie name: {session_cookie!r}")
        self.signer = SignedCookie(secret_key, max_age, clock)
        self.session_cookie = session_cookie
        self.attributes = _attributes(path, same_site, https_only, domain, partitioned)
        self.max_age = "" if max_age is None else f"; Max-Age={max_age}"
        self._loader = self.load_accessed  # bound once: handed to every request

    # -- The shared core ----------------------------------------------------------------------

    def load_accessed(self, raw_headers: RawHeaders) -> Session:
        """The session, loaded because the endpoint touched it."""
        session = self.load(raw_headers)
        session.accessed = True
        return session

    def load(self, raw_headers: RawHeaders) -> Session:
        """The session in the request's cookie (empty when there is none or it is invalid)."""
        value = _cookie(raw_headers, self.session_cookie)
        if value is None:
            return Session({}, None, False)
        payload = self.signer.verify(value)
        values = None if payload is None else load_session(payload)
        if values is None:
            return Session({}, None, True)
        return Session(values, payload, True)

    def write(self, session: dict[str, Any], headers: MutableHeaders) -> None:
        """The session's cookie when it must be saved or cleared, and ``Vary: Cookie`` when
        the session was read or written."""
        cookie = None
        if session:
            payload = dump_session(session)
            if payload != getattr(session, "arrived", None):  # None: a dict the app put there
                cookie = self._cookie_header(self.signer.sign(payload))
        elif getattr(session, "had_cookie", True):
            cookie = f"{self.session_cookie}=; {_EXPIRED}{self.attributes}"
        if cookie is not None:
            headers.append("set-cookie", cookie)
        if cookie is not None or getattr(session, "accessed", True):
            _vary_on_cookie(headers)

    def _cookie_header(self, value: str) -> str:
        size = len(self.session_cookie) + 1 + len(value)
        if size > BROWSER_COOKIE_LIMIT:
            logger.warning(
                "the session cookie %r is %d bytes: browsers drop cookies over %d bytes, so "
                "this session will be lost; keep less in request.session",
                self.session_cookie,
                size,
                BROWSER_COOKIE_LIMIT,
            )
        return f"{self.session_cookie}={value}{self.max_age}{self.attributes}"

    # -- In a Squall App ------------------------------------------------------------------------

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        self._lend_loader(request)
        response = await call_next(request)
        session = request._session
        if session is not None:
            self.write(session, MutableHeaders(raw=response.raw_headers))
        return response

    def _lend_loader(self, request: Request) -> None:
        request._load_session = self._loader  # request.session loads it on first use

    # -- Hooks, on Squall's native path (a route without a Request never touches it) ----------

    def hooks(self) -> Hooks:
        return Hooks(
            bind=self._lend_loader,
            after=self._save,
            after_needs_request=True,  # the App's short way makes no Request: no call there
            socket_bind=self._lend_loader,
        )

    def _save(self, native: NativeRequest, request: Request | None, outcome: Outcome) -> Outcome:
        session = None if request is None else request._session
        if session is None:
            return outcome
        status, headers, body = outcome
        changed = list(headers)  # the outcome's may be shared
        self.write(session, MutableHeaders(raw=changed))
        return status, changed, body

    # -- Around any ASGI app ------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        scope["session"] = self.load(scope["headers"])
        if kind == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", ())))
                self.write(scope["session"], headers)
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie(raw_headers: RawHeaders, name: str) -> str | None:
    """The value of cookie ``name`` in the request's ``Cookie`` header(s), if it has one."""
    found = None
    for key, value in raw_headers:
        if key.lower() == b"cookie":
            found = parse_cookie_header(value.decode("latin-1")).get(name, found)
    return found


def _vary_on_cookie(headers: MutableHeaders) -> None:
    vary = headers.get("vary")
    if vary is None:
        headers.append("vary", "Cookie")
    elif "cookie" not in vary.lower() and vary.strip() != "*":
        headers["vary"] = f"{vary}, Cookie"


def _attributes(
    path: str, same_site: str, https_only: bool, domain: str | None, partitioned: bool
) -> str:
    """The cookie's attributes after its value and Max-Age, checked once."""
    if same_site.lower() not in ("lax", "strict", "none"):
        raise ValueError(f"same_site is 'lax', 'strict' or 'none', not {same_site!r}")
    for name, value in (("path", path), ("domain", domain or "")):
        if any(char in value for char in ";,\r\n\0") or not value.isprintable():
            raise ValueError(f"invalid cookie {name}: {value!r}")
    attributes = f"; Path={path}; HttpOnly; SameSite={same_site.capitalize()}"
    if https_only:
        attributes += "; Secure"
    if domain is not None:
        attributes += f"; Domain={domain}"
    if partitioned:
        attributes += "; Partitioned"
    return attributes
