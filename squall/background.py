"""Work to do after the response has been sent."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger("squall.app")
Background = Callable[[], Awaitable[Any]]  # what Response(background=...) holds


class BackgroundTask:
    """One call to make once the response is sent: ``Response(background=BackgroundTask(f, x))``."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs

    async def __call__(self) -> None:
        await _run(self.func, self.args, self.kwargs)


class BackgroundTasks:
    """Ask for it as a parameter; tasks added run, in order, once the response is sent."""

    def __init__(self) -> None:
        self.tasks: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.tasks.append((func, args, kwargs))

    async def run(self) -> None:
        for func, args, kwargs in self.tasks:
            await _run(func, args, kwargs)

    async def __call__(self) -> None:
        """As ``Response(background=tasks)``: run them all."""
        await self.run()


async def _run(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """One task: a coroutine function awaited, anything else in a thread; failures logged."""
    try:
        if inspect.iscoroutinefunction(func):
            await func(*args, **kwargs)
        else:
            await asyncio.to_thread(func, *args, **kwargs)
    except Exception:
        logger.exception("background task %r failed", func)


def in_turn(first: Background, then: Background) -> Background:
    """One background that runs ``first`` and then ``then`` (each a background of its own)."""

    async def both() -> None:
        await first()
        await then()

    return both
