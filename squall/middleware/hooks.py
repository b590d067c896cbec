"""The hook form of a middleware: plain calls around a request on Squall's native path.

A layer of the framework chain costs a coroutine, a ``Request`` and a ``Response`` per request
even when it does nothing for that request.  A :class:`SquallMiddleware` may also offer its
work as :class:`Hooks`, synchronous calls the App makes inline:

- ``before(native)``: an answer of its own (a refusal, a redirect, a CORS preflight) as an
  ``Outcome``, or None to let the request through;
- ``bind(request)``: the App made a ``Request`` for this request (a route that takes one, or
  an exception handler's): what the middleware puts on it (``request.session``'s loader);
- ``after(native, request, outcome)``: the response as it leaves (headers added, the body
  compressed); ``request`` is None when the App made none.

When every layer of an App's chain has hooks, requests on Squall's server run through
:class:`~squall.middleware.hook_plan.HookPlan` instead of the chain (in the same order: the
layer added last is the outermost); the chain stays for ASGI servers and for layers that only
have ``dispatch``.  A slot left None costs nothing, and the gates below let a request that a
layer does not act on skip its calls: such a request makes no Python call into the layer.

A WebSocket handshake to one of the App's own routes on Squall's server goes through
:class:`SocketHooks`: ``socket_before(socket)`` may refuse it (an HTTP answer, before
accept), ``socket_bind(websocket)`` puts on the ``WebSocket`` what the middleware offers
(``websocket.session``, ``websocket.state.request_id``), as their ASGI faces do on a
``websocket`` scope (which is what an ASGI server's sockets go through).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

from squall.native import NativeConnection, NativeRequest
from squall.outcome import Outcome
from squall.requests import Request

Before = Callable[[NativeRequest], Outcome | None]
Bind = Callable[[Request], None]
After = Callable[[NativeRequest, Request | None, Outcome], Outcome]
SocketBefore = Callable[[NativeConnection], Outcome | None]


@dataclass(frozen=True, slots=True)
class Hooks:
    """What a middleware does around a request, as plain calls (any of them may be None),
    and the gates that tell which requests a call may skip (checked by the App's
    :class:`~squall.middleware.hook_plan.HookPlan`, with no call into the layer).  A gate
    only ever skips a call that would have done nothing: each is a promise of the layer."""

    before: Before | None = None
    bind: Bind | None = None
    after: After | None = None
    socket_before: SocketBefore | None = None  # a WebSocket handshake's (no after: no response)
    socket_bind: Bind | None = None  # given the WebSocket
    # ``before`` answers only requests with one of these methods (CORS: OPTIONS) ...
    before_methods: frozenset[str] | None = None
    # ... and schemes (HTTPS redirect: http) ...
    before_schemes: frozenset[str] | None = None
    # ... and lets through, unasked, a request whose first ``name`` header has a value in
    # ``values`` (a live container: TrustedHost's hosts known to be allowed).
    passes: tuple[bytes, Container[bytes]] | None = None
    # ``after`` changes only responses to requests with this header (compression:
    # Accept-Encoding) ...
    after_header: bytes | None = None
    # ... and only where the App made a Request (sessions: nothing else can touch one).
    after_needs_request: bool = False
    # A field listed in every response's Vary, ``after`` called or not (CORS: Origin).
    vary: bytes | None = None


class SocketHooks:
    """What the layers with hooks do on a WebSocket handshake, outermost first."""

    __slots__ = ("befores", "binds")

    def __init__(self, layers: Sequence[Hooks]) -> None:
        self.befores = tuple(hooks.socket_before for hooks in layers if hooks.socket_before)
        self.binds = tuple(hooks.socket_bind for hooks in layers if hooks.socket_bind)

    def refusal(self, socket: NativeConnection) -> Outcome | None:
        """The first layer's answer refusing the handshake; None to let it through."""
        for before in self.befores:
            answer = before(socket)
            if answer is not None:
                return answer
        return None

    def bind(self, websocket: Request) -> None:
        for bind in self.binds:
            bind(websocket)
