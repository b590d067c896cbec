"""Running request coroutines without a new task per request.

Most requests finish without ever suspending: the body came with the head and the app
answers at once.  Creating, scheduling and registering an ``asyncio.Task`` for each of them
costs more than a small app itself, so each kept-alive connection has one long-lived task,
its :class:`Worker`, and runs request coroutines *eagerly* inside it:

- the coroutine's first step runs at once, from ``data_received``, with the worker entered as
  the current task (``asyncio.current_task()``, ``asyncio.timeout()``, anyio and sniffio
  all see a real task) and in a fresh ``contextvars`` context of its own;
- a request that completes in that step is done: no task was created, nothing scheduled;
- a request that suspends is handed to the worker, which keeps driving it (same task, same
  context), so whatever captured the current task (a timeout, a cancel scope) stays right.

While the worker drives a suspended request (or before it is ready), further requests on the
connection get a task of their own: an eager task on Python 3.12+, a scheduled one on 3.11.
Either way the coroutine's end is reported to a ``done(exc)`` callback.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

EAGER_TASKS = sys.version_info >= (3, 12)
TASK_NAME = "squall-request"  # names the tasks that run requests, to find them at shutdown

RequestCoro = Coroutine[Any, Any, Any]
Done = Callable[[BaseException | None], None]
TaskStarter = Callable[[RequestCoro], Any]
Job = tuple[Any, contextvars.Context, Any, Done]
_enter_task = asyncio.tasks._enter_task
_leave_task = asyncio.tasks._leave_task


def task_starter(loop: asyncio.AbstractEventLoop) -> TaskStarter:
    """A one-argument callable that runs a request coroutine as a task of its own."""
    if EAGER_TASKS:
        return functools.partial(  # type: ignore[call-arg]
            asyncio.Task, loop=loop, eager_start=True, name=TASK_NAME
        )
    return functools.partial(loop.create_task, name=TASK_NAME)


FINISHED: Any = object()  # what ``advance`` returns once the coroutine has ended


def advance(context: contextvars.Context, action: Any, value: Any, done: Done) -> Any:
    """One step of a request coroutine: the future it now waits on, or FINISHED."""
    try:
        return context.run(action, value)
    except StopIteration:
        done(None)
    except BaseException as exc:
        report_failure(done, exc)
    return FINISHED


def report_failure(done: Done, exc: BaseException) -> None:
    """Tell ``done``; let KeyboardInterrupt and SystemExit go on up."""
    done(exc)
    if not isinstance(exc, Exception | asyncio.CancelledError):
        raise exc


async def watch(awaitable: Awaitable[Any], done: Done) -> None:
    """Await ``awaitable`` and report how it ended."""
    try:
        await awaitable
    except BaseException as exc:
        report_failure(done, exc)
    else:
        done(None)


class Worker:
    """One connection's task: runs its requests eagerly and drives those that suspend."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fallback: TaskStarter) -> None:
        self.loop = loop
        self.fallback = fallback
        self.busy = False
        self.closed = False
        self._job: asyncio.Future[Job] | None = None
        self.task = loop.create_task(self._main(), name=TASK_NAME)

    def run(self, coro: Awaitable[Any], done: Done) -> None:
        """Run ``coro`` now; if it suspends, the worker (or a task of its own) carries on."""
        job = self._job
        send = getattr(coro, "send", None)
        if self.busy or job is None or send is None:
            self.fallback(watch(coro, done))
            return
        loop = self.loop
        task = self.task
        context = contextvars.copy_context()
        try:
            _enter_task(loop, task)
        except RuntimeError:  # called from inside another task: can't nest
            self.fallback(watch(coro, done))
            return
        try:
            step = advance(context, send, None, done)
        finally:
            _leave_task(loop, task)
        if step is FINISHED:
            return
        self.busy = True
        job.set_result((coro, context, step, done))

    def close(self) -> None:
        """The connection is gone: stop once the request being driven (if any) is done."""
        self.closed = True
        if not self.busy:
            self.task.cancel()

    async def _main(self) -> None:
        loop = self.loop
        while not self.closed:
            job = self._job = loop.create_future()
            cancel: BaseException | None = None
            try:
                coro, context, step, done = await job
            except asyncio.CancelledError as exc:
                if not job.done() or job.cancelled():
                    return  # cancelled while idle
                coro, context, step, done = job.result()
                cancel = exc  # cancelled between the hand-over and this wake-up
            self._job = None
            try:
                await drive(coro, context, step, cancel, done)
            finally:
                self.busy = False


async def drive(
    coro: Any, context: contextvars.Context, step: Any, cancel: BaseException | None, done: Done
) -> None:
    """Carry a suspended coroutine to its end, as a task would, in its own context."""
    while True:
        if cancel is None:
            try:
                if step is None:
                    await asyncio.sleep(0)  # a bare yield: let the loop run once
                else:
                    step._asyncio_future_blocking = False  # as a task does, before waiting
                    await step
            except asyncio.CancelledError as exc:
                if step is None or not step.cancelled():
                    cancel = exc  # this task was cancelled, not the awaited future
            except BaseException:
                pass  # the future failed: the coroutine reads that when resumed
        if cancel is None:
            step = advance(context, coro.send, None, done)
        else:
            step, cancel = advance(context, coro.throw, cancel, done), None
        if step is FINISHED:
            return
        if step is not None and not hasattr(step, "_asyncio_future_blocking"):
            cancel = RuntimeError(f"a request coroutine yielded {step!r}, not a future")


def request_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[Any]]:
    """The tasks still running requests (found when needed instead of tracked per request)."""
    return [task for task in asyncio.all_tasks(loop) if task.get_name() == TASK_NAME]
