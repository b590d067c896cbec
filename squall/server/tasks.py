"""Starting request coroutines: eagerly where the interpreter allows it.

On Python 3.12+ a request coroutine runs eagerly inside ``asyncio.Task(..., eager_start=True)``:
it executes at once, in the middle of ``data_received``, and a request that never suspends
finishes before the call returns: the task is never scheduled on the event loop.  The task
object stays (rather than a bare ``coro.send(None)``) because apps rely on
``asyncio.current_task()`` being set: ``asyncio.timeout()``, anyio and sniffio (Starlette,
FastAPI) all fail without it.  Python 3.11 has no eager tasks, so there the task is scheduled.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable, Coroutine
from typing import Any

EAGER_TASKS = sys.version_info >= (3, 12)

TaskStarter = Callable[[Coroutine[Any, Any, None]], Any]


def task_starter(loop: asyncio.AbstractEventLoop) -> TaskStarter:
    """A one-argument callable that runs a request coroutine as a task on ``loop``."""
    if EAGER_TASKS:
        return functools.partial(asyncio.Task, loop=loop, eager_start=True)
    return loop.create_task


def request_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[Any]]:
    """The tasks of requests still running (found when needed instead of tracked per request)."""
    return [
        task
        for task in asyncio.all_tasks(loop)
        if getattr(task.get_coro(), "__name__", "") in ("run_asgi", "run_native")
    ]
