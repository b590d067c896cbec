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
        handler = _wrap(layer, handler)
    return handler


def _wrap(layer: MiddlewareFunction, call_next: CallNext) -> CallNext:
    async def handle(request: Request) -> Response:
        return await layer(request, call_next)

    return handle


def build_asgi_stack(app: Any, layers: list[tuple[type, dict[str, Any]]]) -> Any:
    """``app`` wrapped by ASGI middleware classes, given innermost first."""
    for cls, options in layers:
        app = cls(app, **options)
    return app
