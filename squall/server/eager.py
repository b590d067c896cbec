"""A connection's worker: runs request coroutines eagerly inside one long-lived task.

The first step of each request runs here, at once, from ``data_received``: compiled by mypyc
(see setup.py), since it runs for every request on a kept-alive connection.  A request that
suspends is handed to the worker's task, whose loop (``tasks.worker_loop``) stays interpreted:
it resumes app coroutines, which interpreted code does faster (see tasks.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import types
from collections.abc import Awaitable, Generator
from typing import Any, Final

from squall.server.tasks import (
    READY,
    TASK_NAME,
    Finishing,
    Job,
    TaskStarter,
    keep_until_done,
    report_failure,
    request_driver,
    watch,
    worker_loop,
)

_enter_task: Final = asyncio.tasks._enter_task
_leave_task: Final = asyncio.tasks._leave_task
_copy_context: Final = contextvars.copy_context
_READY: Final = READY  # a native constant: the module's globals dict is not consulted
_COROUTINE: Final = types.CoroutineType


class Worker:
    """One connection's task: runs its requests eagerly and drives those that suspend."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fallback: TaskStarter) -> None:
        self.loop = loop
        self.fallback = fallback
        self.busy = False
        self.closed = False
        self.job: asyncio.Future[Job] | None = None  # set while the task waits for work
        self.task: asyncio.Task[None] = loop.create_task(worker_loop(self), name=TASK_NAME)
        self.driver = _new_driver()
        self.send = self.driver.send  # bound once: it is called for every request

    def run(self, coro: Awaitable[Any], request: Finishing) -> None:
        """Run ``coro`` now; if it suspends, the worker (or a task of its own) carries on.

        ``request.app_done`` is called, not bound: a bound method per request costs ~1.5%.
        """
        job = self.job
        if self.busy or job is None or (type(coro) is not _COROUTINE and not hasattr(coro, "send")):
            self.fallback(watch(coro, request.app_done))
            return
        loop = self.loop
        task = self.task
        try:
            _enter_task(loop, task)
        except RuntimeError:  # called from inside another task: can't nest
            self.fallback(watch(coro, request.app_done))
            return
        context = _copy_context()
        try:
            step = context.run(self.send, coro)
        finally:
            _leave_task(loop, task)
        # tasks.finished(step, done), inlined: calling into interpreted code costs ~2% here.
        if step is _READY:
            request.app_done(None)
        elif isinstance(step, BaseException):
            report_failure(request.app_done, step)
        else:  # suspended: the worker's task takes it from here
            self.busy = True
            job.set_result((self.driver, context, step, request.app_done))

    def close(self) -> None:
        """The connection is gone: stop once the request being driven (if any) is done."""
        self.closed = True
        if not self.busy:
            self.task.cancel()
        else:  # the request goes on with no connection to hold its task: hold it till done
            keep_until_done(self.task)


def _new_driver() -> Generator[Any, Any, None]:
    driver = request_driver()
    driver.send(None)  # to its first READY
    return driver
