"""TrustedHostMiddleware: serve only the host names the app is meant for.

A request whose Host header names another host (DNS rebinding, a cache poisoned through a
forged Host, password-reset links built from it) gets 400 ``Invalid host header``; so does
one with no Host or a malformed one.  ``allowed_hosts`` takes exact names and
``*.example.com`` wildcards (any subdomain, not ``example.com`` itself); ``["*"]`` (the
default) allows every host.  With ``www_redirect`` (the default), ``example.com`` is
redirected (307) to ``www.example.com`` when only the latter is allowed.

The options and defaults are Starlette's.  A WebSocket handshake to a host not allowed is
refused the same way, before accept (an HTTP 400 where the server can send one, else a
close: 403), a Squall App's own WebSocket routes included.  Its hook form (Squall's native
path) is a ``before`` that answers only a refused host, and is not called for a Host value
already allowed (the App checks it, with no call into the layer).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from squall.middleware.answers import invalid_host, redirect, send_answer
from squall.middleware.base import ASGIApp, SquallMiddleware, answer_outcome
from squall.middleware.chain import CallNext
from squall.middleware.headers import header_value
from squall.middleware.hooks import Hooks
from squall.middleware.native_headers import first_value
from squall.middleware.request_url import parse_authority, rebuilt_url
from squall.native import NativeConnection
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import Response

Scope = dict[str, Any]

HOST = b"host"

WILDCARD_RULE = "a wildcard host pattern is '*' or '*.' followed by a domain: '*.example.com'"


class Verdict(Enum):
    ALLOWED = "allowed"
    TO_WWW = "to www"  # allowed as www.<host>: redirect there
    REFUSED = "refused"


# The members as module constants: reading ``Verdict.ALLOWED`` looks it up through the enum's
# metaclass, ~2 µs a time on Python 3.11 -- more than the rest of a hook.
ALLOWED, TO_WWW, REFUSED = Verdict.ALLOWED, Verdict.TO_WWW, Verdict.REFUSED


def _check_pattern(pattern: str) -> None:
    wildcard = pattern.startswith("*") and pattern != "*"
    if "*" in pattern[1:] or (wildcard and not pattern.startswith("*.")):
        raise ValueError(f"{WILDCARD_RULE}, not {pattern!r}")


class HostPolicy:
    """Which Host header values are served: the decision both faces take."""

    # Verdicts for the hosts served, by raw Host value: a site sees a few, so a lookup
    # replaces the parse on almost every request; bounded, and refusals are not kept, so
    # refused hosts can neither grow it nor crowd out the ones served.
    MEMO_SIZE = 64

    def __init__(self, allowed_hosts: Sequence[str], www_redirect: bool) -> None:
        for pattern in allowed_hosts:
            _check_pattern(pattern)
        patterns = [pattern.lower() for pattern in allowed_hosts]
        self.allow_any = "*" in patterns
        self.exact = frozenset(p for p in patterns if not p.startswith("*"))
        self.suffixes = tuple(p[1:] for p in patterns if p.startswith("*."))
        self.www_redirect = www_redirect
        self.memo: dict[bytes | None, Verdict] = {}
        # The Host values known to be allowed (the memo's ALLOWED ones): the hook form's
        # gate, so that a request to a host already served makes no call into the layer.
        self.served: set[bytes] = set()

    def verdict(self, host_header: bytes | None) -> Verdict:
        known = self.memo.get(host_header)
        if known is not None:
            return known
        decided = self._decide(host_header)
        if decided is not REFUSED and len(self.memo) < self.MEMO_SIZE:
            self.memo[host_header] = decided
            if decided is ALLOWED and host_header is not None:
                self.served.add(host_header)
        return decided

    def _decide(self, host_header: bytes | None) -> Verdict:
        authority = None if host_header is None else parse_authority(host_header)
        if authority is None:
            return REFUSED
        host = authority.host.lower()
        if host in self.exact or host.endswith(self.suffixes):
            return ALLOWED
        if self.www_redirect and "www." + host in self.exact:
            return TO_WWW
        return REFUSED

    def refusal(self, verdict: Verdict, scope: Scope) -> Response:
        """The answer to a request that is not served as it is."""
        if verdict is TO_WWW:
            host = header_value(scope["headers"], HOST) or b""
            scheme = scope.get("scheme", "http")
            return redirect(rebuilt_url(scope, scheme, "www." + host.decode("latin-1")))
        return invalid_host()


class TrustedHostMiddleware(SquallMiddleware):
    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: Sequence[str] | None = None,
        www_redirect: bool = True,
    ) -> None:
        super().__init__(app)
        self.policy = HostPolicy(["*"] if allowed_hosts is None else allowed_hosts, www_redirect)

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        policy = self.policy
        if policy.allow_any:
            return await call_next(request)
        host = None
        for name, value in request.raw_headers:  # header_value(), inlined: every request
            if name == HOST:
                host = value
                break
        if policy.memo.get(host) is ALLOWED:  # verdict()'s memo, read first
            return await call_next(request)
        verdict = policy.verdict(host)
        if verdict is ALLOWED:
            return await call_next(request)
        return policy.refusal(verdict, request.scope)

    def hooks(self) -> Hooks:
        if self.policy.allow_any:
            return Hooks()
        served = (HOST, self.policy.served)
        return Hooks(before=self._refuse, passes=served, socket_before=self._refuse)

    def _refuse(self, native: NativeConnection) -> Outcome | None:
        policy = self.policy
        verdict = policy.verdict(first_value(native.headers, HOST))
        if verdict is ALLOWED:
            return None
        return answer_outcome(policy.refusal(verdict, native.scope()))

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        policy = self.policy
        if policy.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        verdict = policy.verdict(header_value(scope["headers"], HOST))
        if verdict is ALLOWED:
            await self.app(scope, receive, send)
        else:
            await send_answer(scope, send, policy.refusal(verdict, scope))
