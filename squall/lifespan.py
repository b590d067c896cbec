"""Startup and shutdown: hooks, and an async context manager lifespan with app state.

Startup stops at the first failure: the app can't serve without what it set up.  Shutdown
runs every step even when one fails (the shutdown hooks, the lifespan context's exit, then
the app's own cleanup: app-scoped dependencies, the thread pool), since each releases
something the others don't.  Every failure is logged with its traceback on ``squall.app``
and named in the ``lifespan.*.failed`` message, so any ASGI server reports it.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

Hook = Callable[[], Any]
LifespanFactory = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]
Context = AbstractAsyncContextManager[Mapping[str, Any] | None]

logger = logging.getLogger("squall.app")


class Lifecycle:
    """Runs the ASGI lifespan protocol for an App."""

    def __init__(self, lifespan: LifespanFactory | None = None) -> None:
        self.lifespan = lifespan
        self.startup: list[Hook] = []
        self.shutdown: list[Hook] = []
        self.closers: list[Callable[[], Any]] = []  # the app's own cleanup, after the hooks

    async def run(self, app: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()  # lifespan.startup
        try:
            context = self.lifespan(app) if self.lifespan is not None else None
            await self._start(context, scope.get("state"))
        except Exception as exc:
            logger.error("application startup failed", exc_info=exc)
            await send({"type": "lifespan.startup.failed", "message": describe(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        failures = await self._stop(context)
        if failures:
            message = "; ".join(failures)
            await send({"type": "lifespan.shutdown.failed", "message": message})
        else:
            await send({"type": "lifespan.shutdown.complete"})

    async def _start(self, context: Context | None, state: dict[str, Any] | None) -> None:
        """Enter the lifespan context, then run the startup hooks; undone if one fails."""
        values = await context.__aenter__() if context is not None else None
        try:
            if values:
                if state is None:
                    raise RuntimeError("the server does not support lifespan state")
                state.update(values)
            for hook in self.startup:
                await _call(hook)
        except Exception as exc:
            await self._undo_start(context, exc)
            raise

    async def _undo_start(self, context: Context | None, exc: Exception) -> None:
        """After a failed startup: exit the entered context and release what was made."""
        failures: list[str] = []  # logged by _attempt; the startup failure is what's reported
        if context is not None:
            exit_context = _exit_of(context, exc)
            await _attempt(exit_context, "lifespan context exit", failures)
        for closer in self.closers:
            await _attempt(closer, f"cleanup {_name(closer)}", failures)

    async def _stop(self, context: Context | None) -> list[str]:
        """Run every shutdown step; what failed, described."""
        failures: list[str] = []
        for hook in self.shutdown:
            await _attempt(hook, f"shutdown hook {_name(hook)}", failures)
        if context is not None:
            await _attempt(_exit_of(context), "lifespan context exit", failures)
        for closer in self.closers:
            await _attempt(closer, f"cleanup {_name(closer)}", failures)
        return failures


def describe(exc: BaseException) -> str:
    """``ExceptionType: message``: what a lifespan failure message says."""
    return "".join(traceback.format_exception_only(exc)).strip()


async def _call(hook: Hook) -> None:
    outcome = hook()
    if inspect.isawaitable(outcome):
        await outcome


async def _attempt(step: Hook, what: str, failures: list[str]) -> None:
    """Run one shutdown step; a failure is logged and noted, and the next step runs."""
    try:
        await _call(step)
    except Exception as exc:
        logger.error("%s failed", what, exc_info=exc)
        failures.append(f"{what}: {describe(exc)}")


def _exit_of(context: Context, exc: BaseException | None = None) -> Hook:
    """The context's exit as a step, told of ``exc`` if it ends a failed startup."""

    def exit_context() -> Any:
        if exc is None:
            return context.__aexit__(None, None, None)
        return context.__aexit__(type(exc), exc, exc.__traceback__)

    return exit_context


def _name(hook: Callable[..., Any]) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)


class LifecycleEvents:
    """Startup and shutdown hooks registered on an App, FastAPI's and Starlette's ways."""

    lifecycle: Lifecycle

    def on_startup(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        self.lifecycle.startup.append(hook)
        return hook

    def on_shutdown(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        self.lifecycle.shutdown.append(hook)
        return hook

    def on_event(self, event: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
        """``@app.on_event("startup")`` / ``("shutdown")``: FastAPI's older spelling."""
        if event == "startup":
            return self.on_startup
        if event == "shutdown":
            return self.on_shutdown
        raise ValueError(f"the events are 'startup' and 'shutdown', not {event!r}")

    def add_event_handler(self, event: str, hook: Callable[[], Any]) -> None:
        self.on_event(event)(hook)
