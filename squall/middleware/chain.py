"""How middleware wrap the app: the framework chain (Request -> Response) and ASGI layers.

The framework chain costs nothing when empty; with layers, each request passes through
``async def layer(request, call_next) -> Response``.  As in Starlette, the layer added last
is the outermost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from squall.requests import Request
from squall.responses import Response

CallNext = Callable[[Request], Awaitable[Response]]
MiddlewareFunction = Callable[[Request, CallNext], Awaitable[Response]]


def chain(layers: list[MiddlewareFunction], innermost: CallNext) -> CallNext:
    """``innermost`` wrapped by ``layers``, given innermost first (the order they were added)."""
    handler = innermost
    for layer in layers:
        handler = _Layer(layer, handler)
    return handler


class _Layer:
    """One layer's ``call_next`` for the layer outside it.  A plain call that returns the
    layer's coroutine: no coroutine of its own per request (a closure's ``async def`` would
    be one more)."""

    __slots__ = ("call_next", "layer")

    def __init__(self, layer: MiddlewareFunction, call_next: CallNext) -> None:
        self.layer = layer
        self.call_next = call_next

    def __call__(self, request: Request) -> Awaitable[Response]:
        return self.layer(request, self.call_next)


def build_asgi_stack(app: Any, layers: list[tuple[type, dict[str, Any]]]) -> Any:
    """``app`` wrapped by ASGI middleware classes, given innermost first."""
    for cls, options in layers:
        app = cls(app, **options)
    return app
