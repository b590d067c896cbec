"""An App's middleware, kept in the order they were added (the last added is the outermost).

Three kinds: functions (``@app.middleware("http")``) and :class:`SquallMiddleware` classes run
in the framework's chain, where the app keeps Squall's native path; any other class is ASGI
middleware, which wraps the whole app outside that chain (and turns the native path off).
Squall's classes also wrap each mounted app through their ASGI face, so a mount (static
files, a Starlette app) gets CORS, compression and the rest like the routes do.  When every
layer of the chain has hooks (``SquallMiddleware.hooks()``), the App runs those instead of
the chain on Squall's native path (:meth:`MiddlewareStack.hook_plan`).  The App's own
WebSocket routes see the Squall classes too, as Starlette's middleware see a ``websocket``
scope: their socket hooks on the native path, their ASGI faces under an ASGI server (a
class with only ``dispatch``, like Starlette's ``BaseHTTPMiddleware``, does not see them).
"""

from __future__ import annotations

from typing import Any

from squall.middleware.base import SquallMiddleware
from squall.middleware.chain import CallNext, MiddlewareFunction, build_asgi_stack, chain
from squall.middleware.hook_plan import HookPlan
from squall.middleware.hooks import Hooks, SocketHooks

Options = dict[str, Any]


class MiddlewareStack:
    def __init__(self) -> None:
        self.functions: list[MiddlewareFunction] = []  # the framework chain, innermost first
        self.layer_hooks: list[Hooks | None] = []  # each layer's hook form, in the same order
        self.squall_classes: list[tuple[type, Options]] = []
        self.asgi: list[tuple[type, Options]] = []
        self._asgi_stack: Any = None
        self._mounts: dict[int, Any] = {}
        self._websockets: Any = None

    @property
    def in_chain(self) -> bool:
        """Whether requests go through the framework chain."""
        return bool(self.functions)

    def add_function(self, layer: MiddlewareFunction) -> None:
        self.functions.append(layer)
        self.layer_hooks.append(None)
        self._changed()

    def add_class(self, cls: type, options: Options, inner: Any) -> None:
        """``cls(inner, **options)`` in the chain when it is Squall's, else as ASGI middleware."""
        if isinstance(cls, type) and issubclass(cls, SquallMiddleware):
            middleware = cls(inner, **options)
            self.functions.append(middleware.dispatch)
            self.layer_hooks.append(middleware.hooks())
            if has_asgi_face(cls):
                self.squall_classes.append((cls, options))
        else:
            self.asgi.append((cls, options))
        self._changed()

    def pipeline(self, innermost: CallNext) -> CallNext:
        """``innermost`` wrapped by the chain's layers (the App keeps it)."""
        return chain(self.functions, innermost)

    def hook_plan(self) -> HookPlan | None:
        """The chain's layers as hooks, when every layer has them; else None."""
        layers = [hooks for hooks in self.layer_hooks if hooks is not None]
        if not layers or len(layers) < len(self.layer_hooks):
            return None
        return HookPlan(layers[::-1])  # outermost first

    def socket_hooks(self) -> SocketHooks | None:
        """What the layers' hooks do on a WebSocket handshake; None when none does a thing."""
        hooks = SocketHooks([hooks for hooks in self.layer_hooks[::-1] if hooks is not None])
        return hooks if hooks.befores or hooks.binds else None

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

    def around_websockets(self, app: Any) -> Any:
        """The App's WebSocket entry (an ASGI app, always the same) inside the ASGI faces."""
        if self._websockets is None:
            self._websockets = build_asgi_stack(app, self.squall_classes)
        return self._websockets

    def _changed(self) -> None:
        self._asgi_stack = None
        self._mounts = {}
        self._websockets = None


def has_asgi_face(cls: type) -> bool:
    """Whether a SquallMiddleware class is ASGI middleware too (one written with only
    ``dispatch`` is not: it wraps neither mounts nor WebSockets)."""
    return cls.__call__ is not SquallMiddleware.__call__
