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
:class:`HookChain` instead of the chain (in the same order: the layer added last is the
outermost); the chain stays for ASGI servers and for layers that only have ``dispatch``.

A WebSocket handshake to one of the App's own routes on Squall's server goes through
:class:`SocketHooks`: ``socket_before(socket)`` may refuse it (an HTTP answer, before
accept), ``socket_bind(websocket)`` puts on the ``WebSocket`` what the middleware offers
(``websocket.session``, ``websocket.state.request_id``), as their ASGI faces do on a
``websocket`` scope (which is what an ASGI server's sockets go through).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    """What a middleware does around a request, as plain calls (any of them may be None)."""

    before: Before | None = None
    bind: Bind | None = None
    after: After | None = None
    socket_before: SocketBefore | None = None  # a WebSocket handshake's (no after: no response)
    socket_bind: Bind | None = None  # given the WebSocket


class HookChain:
    """The hooks of an App's chain, given outermost first: ``before`` outside in, ``after``
    inside out, as the chain's layers run their parts before and after ``call_next``: the
    App calls each of ``befores`` until one answers, then :meth:`after_answer`; else it
    routes the request and calls ``afters`` in turn (or :meth:`after`)."""

    __slots__ = ("_after_depths", "_before_depths", "afters", "befores", "binds")

    def __init__(self, layers: Sequence[Hooks]) -> None:
        self.befores = tuple(hooks.before for hooks in layers if hooks.before)
        self._before_depths = [depth for depth, hooks in enumerate(layers) if hooks.before]
        self.binds = tuple(hooks.bind for hooks in layers if hooks.bind)
        self.afters = tuple(hooks.after for hooks in reversed(layers) if hooks.after)
        depths = [depth for depth, hooks in enumerate(layers) if hooks.after]
        self._after_depths = depths[::-1]

    def bind(self, request: Request) -> None:
        for bind in self.binds:
            bind(request)

    def after(self, native: NativeRequest, request: Request | None, outcome: Outcome) -> Outcome:
        """The routed ``outcome`` through every layer's ``after``, inside out."""
        for after in self.afters:
            outcome = after(native, request, outcome)
        return outcome

    def after_answer(self, native: NativeRequest, answer: Outcome, answered: Before) -> Outcome:
        """The answer of the layer whose ``before`` is ``answered`` through the ``after`` of
        the layers outside it."""
        outcome, depth = answer, self._before_depths[self.befores.index(answered)]
        for layer_depth, after in zip(self._after_depths, self.afters, strict=True):
            if layer_depth < depth:
                outcome = after(native, None, outcome)
        return outcome


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
