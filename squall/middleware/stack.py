"""An App's middleware, kept in the order they were added (the last added is the outermost).

Three kinds: functions (``@app.middleware("http")``) and :class:`SquallMiddleware` classes run
in the framework's chain, where the app keeps Squall's native path; any other class is ASGI
middleware, which wraps the whole app outside that chain (and turns the native path off).
Squall's classes also wrap each mounted app through their ASGI face, so a mount (static
files, a Starlette app) gets CORS, compression and the rest like the routes do.
"""

from __future__ import annotations

from typing import Any

from squall.middleware.base import SquallMiddleware
from squall.middleware.chain import CallNext, MiddlewareFunction, build_asgi_stack, chain

Options = dict[str, Any]


class MiddlewareStack:
    def __init__(self) -> None:
        self.functions: list[MiddlewareFunction] = []  # the framework chain, innermost first
        self.squall_classes: list[tuple[type, Options]] = []
        self.asgi: list[tuple[type, Options]] = []
        self._asgi_stack: Any = None
        self._mounts: dict[int, Any] = {}

    @property
    def in_chain(self) -> bool:
        """Whether requests go through the framework chain."""
        return bool(self.functions)

    def add_function(self, layer: MiddlewareFunction) -> None:
        self.functions.append(layer)
        self._changed()

    def add_class(self, cls: type, options: Options, inner: Any) -> None:
        """``cls(inner, **options)`` in the chain when it is Squall's, else as ASGI middleware."""
        if isinstance(cls, type) and issubclass(cls, SquallMiddleware):
            self.functions.append(cls(inner, **options).dispatch)
            self.squall_classes.append((cls, options))
        else:
            self.asgi.append((cls, options))
        self._changed()

    def pipeline(self, innermost: CallNext) -> CallNext:
        """``innermost`` wrapped by the chain's layers (the App keeps it)."""
        return chain(self.functions, innermost)

    def asgi_stack(self, app: Any) -> Any:
        if self._asgi_stack is None:
            self._asgi_stack = build_asgi_stack(app, self.asgi)
        return self._asgi_stack

    def around_mount(self, app: Any) -> Any:
        """A mounted ASGI app inside the ASGI faces of the Squall middleware classes."""
        if not self.squall_classes:
            return app
        wrapped = self._mounts.get(id(app))
        if wrapped is None:
            wrapped = self._mounts[id(app)] = build_asgi_stack(app, self.squall_classes)
        return wrapped

    def _changed(self) -> None:
        self._asgi_stack = None
        self._mounts = {}
