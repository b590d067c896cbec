"""Startup and shutdown: hooks, and an async context manager lifespan with app state."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

Hook = Callable[[], Any]
LifespanFactory = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]


class Lifecycle:
    """Runs the ASGI lifespan protocol for an App."""

    def __init__(self, lifespan: LifespanFactory | None = None) -> None:
        self.lifespan = lifespan
        self.startup: list[Hook] = []
        self.shutdown: list[Hook] = []
        self.closers: list[Callable[[], Any]] = []  # the app's own cleanup, after the hooks

    async def run(self, app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
        state = scope.get("state")
        await receive()  # lifespan.startup
        try:
            context = self.lifespan(app) if self.lifespan is not None else None
            values = await context.__aenter__() if context is not None else None
            if values:
                if state is None:
                    raise RuntimeError("the server does not support lifespan state")
                state.update(values)
            await _call_all(self.startup)
        except Exception as exc:
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        try:
            await _call_all(self.shutdown)
            if context is not None:
                await context.__aexit__(None, None, None)
            await _call_all(self.closers)
        except Exception as exc:
            await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})


async def _call_all(hooks: list[Hook]) -> None:
    for hook in hooks:
        outcome = hook()
        if inspect.isawaitable(outcome):
            await outcome
