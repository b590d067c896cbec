"""HTTPSRedirectMiddleware: send every plain-HTTP request to the same URL over HTTPS.

``http`` becomes ``https`` and ``ws`` becomes ``wss``; the answer is a 307 (the client
repeats the request, method and body included) to the same host (lower-cased), path and
query, with the port dropped when it is 80 or 443 and kept otherwise.  The scheme is the one
the server reports: behind a proxy that terminates TLS, Squall's server (``--proxy-headers``,
on by default for proxies on this machine) takes it from a trusted peer's
``X-Forwarded-Proto`` or ``Forwarded``, so requests that came in over HTTPS pass.  A request
with neither a valid Host header nor a server address gets 400 ``Invalid host header``.

As in Starlette (same name, no options).  WebSockets, a Squall App's own routes included:
an insecure handshake gets the 307 (an HTTP response where the server can send one, else a
close before accept: 403).
"""

from __future__ import annotations

from typing import Any

from squall.middleware.answers import invalid_host, redirect, send_answer
from squall.middleware.base import SquallMiddleware, answer_outcome
from squall.middleware.chain import CallNext
from squall.middleware.hooks import Hooks
from squall.middleware.request_url import rebuilt_url, request_authority, request_scheme
from squall.native import NativeConnection
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import Response

Scope = dict[str, Any]

SECURE = {"http": "https", "ws": "wss"}  # an insecure scheme -> where it is redirected
INSECURE = frozenset(SECURE)
DEFAULT_PORTS = (80, 443)


def to_https(scope: Scope) -> Response:
    """The answer to an insecure request: the redirect to its secure URL."""
    authority = request_authority(scope)
    if authority is None:
        return invalid_host()
    host, port = authority.host.lower(), authority.port
    netloc = host if port is None or port in DEFAULT_PORTS else f"{host}:{port}"
    return redirect(rebuilt_url(scope, SECURE[scheme_of(scope)], netloc))


def scheme_of(scope: Scope) -> str:
    """The scope's scheme (ASGI makes it optional: ``http``, or ``ws`` for a WebSocket)."""
    return scope.get("scheme") or ("ws" if scope["type"] == "websocket" else "http")


class HTTPSRedirectMiddleware(SquallMiddleware):
    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        if request_scheme(request) != "http":
            return await call_next(request)
        return to_https(request.scope)

    def hooks(self) -> Hooks:
        return Hooks(
            before=self._redirect,
            before_schemes=INSECURE,  # a request that came over https makes no call
            socket_before=self._redirect,
        )

    def _redirect(self, native: NativeConnection) -> Outcome | None:
        if native.scheme not in SECURE:  # http and ws are redirected
            return None
        return answer_outcome(to_https(native.scope()))

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scheme_of(scope) in SECURE:
            await send_answer(scope, send, to_https(scope))
        else:
            await self.app(scope, receive, send)
