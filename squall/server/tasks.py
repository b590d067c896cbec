"""Running request coroutines without a new task per request.

Most requests finish without ever suspending: the body came with the head and the app
answers at once.  Creating, scheduling and registering an ``asyncio.Task`` for each of them
costs more than a small app itself, so each kept-alive connection has one long-lived task,
its worker (``squall.server.eager.Worker``), and runs request coroutines *eagerly* inside it:

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
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Protocol

EAGER_TASKS = sys.version_info >= (3, 12)
TASK_NAME = "squall-request"  # names the tasks that run requests, to find them at shutdown

RequestCoro = Coroutine[Any, Any, Any]
Done = Callable[[BaseException | None], None]
TaskStarter = Callable[[RequestCoro], Any]
Job = tuple[Generator[Any, Any, None], contextvars.Context, Any, Done]  # driver, context, step


class Finishing(Protocol):
    """What runs a request: told, by ``app_done(exc)``, when the request's coroutine ends."""

    def app_done(self, exc: BaseException | None) -> None: ...


# The loop holds tasks only weakly: a request task suspended on a future that nothing else
# references (``await asyncio.Event().wait()``) is a cycle the collector may free mid-request,
# closing the app's coroutine (GeneratorExit, "Task was destroyed but it is pending!").  So
# every request task that suspends is held here until it ends, as asyncio's docs advise.
_running: set[asyncio.Future[Any]] = set()


def keep_until_done(task: asyncio.Future[Any]) -> None:
    """Hold a strong reference to ``task`` until it is done."""
    if not task.done():
        _running.add(task)
        task.add_done_callback(_running.discard)


def task_starter(loop: asyncio.AbstractEventLoop) -> TaskStarter:
    """A one-argument callable that runs a request coroutine as a task of its own, held
    (``keep_until_done``) while it runs."""
    if EAGER_TASKS:
        create: TaskStarter = functools.partial(  # type: ignore[call-arg]
            asyncio.Task, loop=loop, eager_start=True, name=TASK_NAME
        )
    else:
        create = functools.partial(loop.create_task, name=TASK_NAME)

    def start(coro: RequestCoro) -> Any:
        task = create(coro)
        keep_until_done(task)
        return task

    return start


READY: Any = object()  # what a request driver yields when a request has finished


@types.coroutine
def request_driver() -> Generator[Any, Any, None]:
    """Runs the request coroutines sent into it, one after another, forever.

    While a request waits on a future, it yields that future; when the request has finished,
    it yields READY, or the exception the request raised.  So sending a request that never
    suspends returns READY, where sending into the coroutine itself would end in a
    StopIteration: an exception, with a traceback, per request.
    """
    coro = yield READY
    while True:
        try:
            yield from coro
        except GeneratorExit:
            raise  # the driver itself is being closed
        except BaseException as exc:
            coro = yield exc
        else:
            coro = yield READY


def finished(step: Any, done: Done) -> bool:
    """Whether a driver's ``step`` ends its request; if so, ``done`` is told how."""
    if step is READY:
        done(None)
        return True
    if isinstance(step, BaseException):
        report_failure(done, step)
        return True
    return False


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


async def worker_loop(worker: Any) -> None:
    """The body of a connection's worker task (``eager.Worker``): drive what suspends."""
    loop = worker.loop
    while not worker.closed:
        job = worker.job = loop.create_future()
        cancel: BaseException | None = None
        try:
            driver, context, step, done = await job
        except asyncio.CancelledError as exc:
            if not job.done() or job.cancelled():
                return  # cancelled while idle
            driver, context, step, done = job.result()
            cancel = exc  # cancelled between the hand-over and this wake-up
        worker.job = None
        try:
            await drive(driver, context, step, cancel, done)
        finally:
            worker.busy = False


async def drive(
    driver: Generator[Any, Any, None],
    context: contextvars.Context,
    step: Any,
    cancel: BaseException | None,
    done: Done,
) -> None:
    """Carry the driver's suspended request to its end, as a task would, in its context."""
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
            step = context.run(driver.send, None)
        else:
            step, cancel = context.run(driver.throw, cancel), None
        if finished(step, done):
            return
        if step is not None and not hasattr(step, "_asyncio_future_blocking"):
            cancel = RuntimeError(f"a request coroutine yielded {step!r}, not a future")


def request_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[Any]]:
    """The tasks still running requests (found when needed instead of tracked per request)."""
    return [task for task in asyncio.all_tasks(loop) if task.get_name() == TASK_NAME]
