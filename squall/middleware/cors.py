"""CORSMiddleware: let pages of other origins call the app (the Fetch standard's CORS protocol).

Options and defaults are Starlette's: ``allow_origins`` (``["*"]`` for any), a full-match
``allow_origin_regex``, ``allow_methods`` (``GET``; ``"*"`` for the usual ones),
``allow_headers`` (the CORS-safelisted ones always; ``"*"`` for any),
``allow_credentials``, ``allow_private_network``, ``expose_headers`` and ``max_age`` (600 s).

- A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is
  answered here, never by a route: 200 ``OK`` with the allow headers, or 400
  ``Disallowed CORS origin, method, headers`` naming what was refused.
- Any other request goes to the app; when its ``Origin`` is allowed the response gets
  ``Access-Control-Allow-Origin`` (the origin itself when credentials are allowed or
  origins are listed or matched, ``*`` for any origin without credentials), plus
  ``-Allow-Credentials`` and ``-Expose-Headers`` as configured.  Every such response lists
  ``Origin`` in ``Vary`` (merged into an existing one): the answer depends on it, so a cache
  must not give a response made for one origin (or for none) to another.

The hook form (Squall's native path): ``before`` answers a preflight (an OPTIONS request
only: no call for any other method), ``after`` decorates a response to a request with
``Origin``; one without costs the App's check for the header (in C) and the ``Vary`` entry
(JSON_HEADERS' twin made once): no call into the middleware.
WebSocket handshakes pass through (CORS does not cover them).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from squall.middleware.answers import send_answer
from squall.middleware.base import ASGIApp, SquallMiddleware, answer_outcome
from squall.middleware.chain import CallNext
from squall.middleware.headers import RawHeaders, add_vary, header_value, set_header
from squall.middleware.hooks import Hooks
from squall.middleware.native_headers import first_value
from squall.native import NativeRequest
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import PlainTextResponse, Response

Scope = dict[str, Any]
Message = dict[str, Any]

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY")
SAFELISTED_HEADERS = ("accept", "accept-language", "content-language", "content-type")

ORIGIN = b"origin"
PREFLIGHT_METHODS = frozenset({"OPTIONS"})
REQUEST_METHOD = b"access-control-request-method"
REQUEST_HEADERS = b"access-control-request-headers"
REQUEST_PRIVATE_NETWORK = b"access-control-request-private-network"

ALLOW_ORIGIN = b"access-control-allow-origin"
ALLOW_CREDENTIALS = b"access-control-allow-credentials"
ALLOW_METHODS = b"access-control-allow-methods"
ALLOW_HEADERS = b"access-control-allow-headers"
ALLOW_PRIVATE_NETWORK = b"access-control-allow-private-network"
EXPOSE_HEADERS = b"access-control-expose-headers"
MAX_AGE = b"access-control-max-age"
PREFLIGHT_VARY = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    b"Access-Control-Request-Private-Network"
)
TRUE = b"true"


class CORSPolicy:
    """Every decision of the middleware, on raw header bytes: both faces call it."""

    def __init__(
        self,
        allow_origins: Collection[str],
        allow_methods: Collection[str],
        allow_headers: Collection[str],
        allow_credentials: bool,
        allow_origin_regex: str | None,
        allow_private_network: bool,
        expose_headers: Collection[str],
        max_age: int,
    ) -> None:
        self.any_origin = "*" in allow_origins
        self.origins = frozenset(origin.encode("latin-1") for origin in allow_origins)
        self.origin_regex = None if allow_origin_regex is None else re.compile(allow_origin_regex)
        self.methods = ALL_METHODS if "*" in allow_methods else tuple(allow_methods)
        self.any_header = "*" in allow_headers
        self.headers = frozenset({*SAFELISTED_HEADERS, *(h.lower() for h in allow_headers)})
        self.credentials = allow_credentials
        self.private_network = allow_private_network
        # Access-Control-Allow-Origin names the origin unless any origin may read the
        # response without credentials (then it is "*": one answer for everyone).
        self.echo_origin = allow_credentials or not self.any_origin
        self.granted = self._granted(expose_headers)
        self.preflight_headers = self._preflight_headers(max_age)

    def _granted(self, expose_headers: Collection[str]) -> RawHeaders:
        """What an allowed origin's response gets besides Access-Control-Allow-Origin."""
        granted: RawHeaders = []
        if self.credentials:
            granted.append((ALLOW_CREDENTIALS, TRUE))
        if expose_headers:
            granted.append((EXPOSE_HEADERS, ", ".join(expose_headers).encode("latin-1")))
        return granted

    def _preflight_headers(self, max_age: int) -> RawHeaders:
        """What every preflight answer carries, whatever it asked for."""
        headers: RawHeaders = [(b"vary", PREFLIGHT_VARY)]
        if not self.echo_origin:
            headers.append((ALLOW_ORIGIN, b"*"))
        headers.append((ALLOW_METHODS, ", ".join(self.methods).encode("latin-1")))
        headers.append((MAX_AGE, str(max_age).encode()))
        if not self.any_header:
            headers.append((ALLOW_HEADERS, ", ".join(sorted(self.headers)).encode("latin-1")))
        if self.credentials:
            headers.append((ALLOW_CREDENTIALS, TRUE))
        return headers

    def allows(self, origin: bytes) -> bool:
        if self.any_origin or origin in self.origins:
            return True
        regex = self.origin_regex
        return regex is not None and regex.fullmatch(origin.decode("latin-1")) is not None

    def preflight(self, method: str, origin: bytes | None, headers: RawHeaders) -> Response | None:
        """The answer to a preflight request; None for any other request."""
        if origin is None or method != "OPTIONS":
            return None
        requested_method = header_value(headers, REQUEST_METHOD)
        if requested_method is None:
            return None
        answer = list(self.preflight_headers)
        refused: list[str] = []
        if not self.allows(origin):
            refused.append("origin")
        elif self.echo_origin:
            answer.append((ALLOW_ORIGIN, origin))
        if requested_method.decode("latin-1") not in self.methods:
            refused.append("method")
        requested_headers = header_value(headers, REQUEST_HEADERS)
        if requested_headers is not None:
            if self.any_header:
                answer.append((ALLOW_HEADERS, requested_headers))
            elif not self._allows_headers(requested_headers):
                refused.append("headers")
        if header_value(headers, REQUEST_PRIVATE_NETWORK) is not None:
            if self.private_network:
                answer.append((ALLOW_PRIVATE_NETWORK, TRUE))
            else:
                refused.append("private-network")
        if refused:
            return _plain_text(400, "Disallowed CORS " + ", ".join(refused), answer)
        return _plain_text(200, "OK", answer)

    def _allows_headers(self, requested: bytes) -> bool:
        names = requested.decode("latin-1").lower().split(",")
        return all(name.strip() in self.headers for name in names if name.strip())

    def decorate(self, headers: RawHeaders, origin: bytes | None) -> None:
        """Add to a response's headers what the request's ``Origin`` calls for."""
        add_vary(headers, b"Origin")
        if origin is None or not self.allows(origin):
            return
        set_header(headers, ALLOW_ORIGIN, origin if self.echo_origin else b"*")
        for name, value in self.granted:
            set_header(headers, name, value)


def _plain_text(status: int, text: str, headers: RawHeaders) -> Response:
    response = PlainTextResponse(text, status_code=status)
    response.raw_headers += headers
    return response


class CORSMiddleware(SquallMiddleware):
    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Collection[str] = (),
        allow_methods: Collection[str] = ("GET",),
        allow_headers: Collection[str] = (),
        allow_credentials: bool = False,
        allow_origin_regex: str | None = None,
        allow_private_network: bool = False,
        expose_headers: Collection[str] = (),
        max_age: int = 600,
    ) -> None:
        super().__init__(app)
        self.policy = CORSPolicy(
            allow_origins,
            allow_methods,
            allow_headers,
            allow_credentials,
            allow_origin_regex,
            allow_private_network,
            expose_headers,
            max_age,
        )

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        origin = None
        for name, value in request.raw_headers:  # header_value(), inlined: every request
            if name == ORIGIN:
                origin = value
                break
        if origin is None:  # not a CORS request, but its answer must vary with Origin too
            response = await call_next(request)
            add_vary(response.raw_headers, b"Origin")
            return response
        policy = self.policy
        preflight = policy.preflight(request.method, origin, request.raw_headers)
        if preflight is not None:
            return preflight
        response = await call_next(request)
        policy.decorate(response.raw_headers, origin)
        return response

    def hooks(self) -> Hooks:
        return Hooks(
            before=self._preflight,
            before_methods=PREFLIGHT_METHODS,  # only OPTIONS can be a preflight
            after=self._decorate,
            after_header=ORIGIN,  # a response to a request without Origin only gets Vary
            vary=b"Origin",
        )

    def _preflight(self, native: NativeRequest) -> Outcome | None:
        headers = native.headers
        answer = self.policy.preflight(native.method, first_value(headers, ORIGIN), headers)
        return None if answer is None else answer_outcome(answer)

    def _decorate(
        self, native: NativeRequest, request: Request | None, outcome: Outcome
    ) -> Outcome:
        status, headers, body = outcome
        headers = list(headers)  # the outcome's may be shared (JSON_HEADERS)
        self.policy.decorate(headers, first_value(native.headers, ORIGIN))
        return status, headers, body

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy
        origin = header_value(scope["headers"], ORIGIN)
        preflight = policy.preflight(scope["method"], origin, scope["headers"])
        if preflight is not None:
            await send_answer(scope, send, preflight)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                policy.decorate(headers, origin)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)
