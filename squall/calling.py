"""Calling endpoints and dependencies: sync code in the thread pool, generators as contexts.

Sync code runs in the app's thread pool inside a copy of the caller's context, so a
contextvar set by a middleware or an async dependency reads the same in a ``def`` endpoint.
A generator dependency is entered as a context manager on an exit stack: the code after
``yield`` runs when the stack closes, and sees the exception the stack closes with (an
``except`` around ``yield`` runs when the endpoint raises).  A sync generator's setup and
teardown run in the thread pool too.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AbstractContextManager, AsyncExitStack
from types import TracebackType
from typing import Any

from squall.signatures import Kind


async def run_sync(
    pool: Executor | None, call: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    """``call(*args, **kwargs)`` in ``pool``, in a copy of the current context."""
    context = contextvars.copy_context()
    work = functools.partial(context.run, call, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, work)


async def call_dependency(
    kind: Kind,
    call: Callable[..., Any],
    kwargs: dict[str, Any],
    stack: AsyncExitStack,
    pool: Executor | None,
) -> Any:
    """The dependency's value; a generator's cleanup is pushed onto ``stack``."""
    if kind is Kind.ASYNC:
        return await call(**kwargs)
    if kind is Kind.SYNC:
        return await run_sync(pool, call, **kwargs)
    if kind is Kind.ASYNC_GENERATOR:
        return await stack.enter_async_context(contextlib.asynccontextmanager(call)(**kwargs))
    manager = contextlib.contextmanager(call)(**kwargs)
    value = await run_sync(pool, manager.__enter__)
    stack.push_async_exit(_exit_in_pool(manager, pool))
    return value


def _exit_in_pool(
    manager: AbstractContextManager[Any], pool: Executor | None
) -> Callable[..., Any]:
    async def exit_in_pool(
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        suppressed: bool | None = await run_sync(pool, manager.__exit__, exc_type, exc, traceback)
        return suppressed

    return exit_in_pool
