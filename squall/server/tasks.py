"""Starting request coroutines: eagerly where the interpreter allows it.

On Python 3.12+ a request coroutine runs eagerly inside ``asyncio.Task(..., eager_start=True)``:
it executes at once, in the middle of ``data_received``, and a request that never suspends
finishes before the call returns — the task is never scheduled on the event loop.  The task
object stays (rather than a bare ``coro.send(None)``) because apps rely on
``asyncio.current_task()`` being set: ``asyncio.timeout()``, anyio and sniffio (Starlette,
FastAPI) all fail without it.  Python 3.11 has no eager tasks, so there the task is scheduled.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

EAGER_TASKS = sys.version_info >= (3, 12)


def _start_eager(
    loop: asyncio.AbstractEventLoop,
    coro: Coroutine[Any, Any, None],
    tasks: set[asyncio.Task[None]],
) -> None:
    task: asyncio.Task[None] = asyncio.Task(coro, loop=loop, eager_start=True)  # type: ignore[call-arg]
    if not task.done():  # it suspended: keep it until it finishes
        tasks.add(task)
        task.add_done_callback(tasks.discard)


def _start_scheduled(
    loop: asyncio.AbstractEventLoop,
    coro: Coroutine[Any, Any, None],
    tasks: set[asyncio.Task[None]],
) -> None:
    task = loop.create_task(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


# Run ``coro`` as a task, kept in ``tasks`` only while it is suspended.
start_task = _start_eager if EAGER_TASKS else _start_scheduled
