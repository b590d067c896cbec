"""Middleware with two faces: inside a Squall App, and around any ASGI app.

A :class:`SquallMiddleware` added to a Squall ``App`` with ``app.add_middleware`` runs in the
framework's chain on Request and Response objects (``dispatch``), so the app keeps Squall's
native path.  Built around any other ASGI app (``CORSMiddleware(starlette_app, ...)``) it is
plain ASGI middleware (``__call__``).  Each subclass implements both faces on one shared core
of decisions, so they behave alike.  A subclass may also offer ``hooks()`` (see ``hooks.py``):
plain calls the App makes on Squall's native path instead of running ``dispatch``, which
costs next to nothing on a request the middleware does not act on.
"""

from __future__ import annotations

from typing import Any

from squall.middleware.chain import CallNext
from squall.middleware.hooks import Hooks
from squall.outcome import Outcome
from squall.requests import Request
from squall.responses import Response

Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Any


class SquallMiddleware:
    """Base class: ``dispatch`` in a Squall App, ``__call__`` as ASGI middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app  # the ASGI app it wraps (a Squall App's own, inner ASGI entry there)

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        raise NotImplementedError

    def hooks(self) -> Hooks | None:
        """The middleware's work as hooks, doing what ``dispatch`` does; None (the default,
        for a subclass that only has ``dispatch``) keeps the App's requests in the chain."""
        return None


def answer_outcome(answer: Response) -> Outcome:
    """A middleware's own answer (a ``Response`` with a bytes body) as a hook returns it."""
    return answer.status_code, answer.raw_headers, answer.body


class Middleware:
    """A middleware class and its options, for ``App(middleware=[...])`` as in Starlette."""

    def __init__(self, cls: type, *args: Any, **kwargs: Any) -> None:
        if args:
            raise TypeError("pass middleware options by name: Middleware(cls, option=value)")
        self.cls = cls
        self.kwargs = kwargs

    def __iter__(self) -> Any:
        return iter((self.cls, (), self.kwargs))

    def __repr__(self) -> str:
        options = ", ".join(f"{name}={value!r}" for name, value in self.kwargs.items())
        return f"Middleware({self.cls.__name__}{', ' if options else ''}{options})"
