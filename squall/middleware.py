"""Middleware: the framework's own (on Request/Response objects) and standard ASGI middleware.

Framework middleware costs nothing when there is none; with some, each request passes
through ``async def middleware(request, call_next) -> Response``.  ASGI middleware (e.g.
Starlette's CORSMiddleware, GZipMiddleware) wraps the whole app; while any is installed the
app gives up Squall's native path, since the middleware speaks ASGI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from squall.requests import Request
from squall.responses import Response

CallNext = Callable[[Request], Awaitable[Response]]
Middleware = Callable[[Request, CallNext], Awaitable[Response]]


def chain(middleware: list[Middleware], innermost: CallNext) -> CallNext:
    """``innermost`` wrapped by ``middleware``; the first registered is the outermost."""
    handler = innermost
    for layer in reversed(middleware):
        handler = _wrap(layer, handler)
    return handler


def _wrap(layer: Middleware, call_next: CallNext) -> CallNext:
    async def handle(request: Request) -> Response:
        return await layer(request, call_next)

    return handle


def build_asgi_stack(app: Any, middleware: list[tuple[type, dict[str, Any]]]) -> Any:
    """``app`` wrapped by ASGI middleware classes; the first added is the outermost."""
    for cls, options in reversed(middleware):
        app = cls(app, **options)
    return app
