"""Runs a WebSocket app's coroutine, resuming it straight from ``data_received``.

An echo costs little besides the waking: a task woken per message creates a future, sets
its result, schedules the task's wake-up and runs a loop iteration for it.  So a socket's
app runs in a task of its own whose coroutine is driven here, step by step, as a task
drives it; when the app waits for the next message and none is queued it *parks*: it
yields ``PARKED`` (parking.py's ``next_message``) instead of a future, and its task
waits on a future of ours.  A message that comes in then resumes the coroutine at once,
from the protocol callback, with the task entered as the current task
(``asyncio.current_task()``, timeouts and cancel scopes see it) and in the task's context:
no future, no scheduling.  What the coroutine waits on next decides who goes on:

- the next message again (PARKED): nobody, till a message comes;
- a future (a sleep, a drain, anything): the task, woken to wait on it as a task does;
- nothing (it finished): the task, woken to end.

A cancelled task (shutdown, the app's own cancel) throws ``CancelledError`` into the
coroutine wherever it waits, parked or not.

Compiled with the hot path, as the connection that calls it is: ``resume`` runs once per
message, and interpreted it cost ~2,800 instructions of the ~22,400 an echo takes (README,
"WebSocket echo").  The read that parks (parking.py) stays interpreted.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Callable, Coroutine
from typing import Any, Final

from squall.server.tasks import TASK_NAME, Done, keep_until_done, report_failure
from squall.server.websocket.parking import PARKED, Marker

FINISHED: Final = Marker()  # the coroutine ended (and ``done`` was told how)

_enter_task: Final = asyncio.tasks._enter_task
_leave_task: Final = asyncio.tasks._leave_task


def _current_task_reader() -> Callable[[asyncio.AbstractEventLoop], asyncio.Task[Any] | None]:
    """``asyncio.current_task(loop)``, cheaply: on Python 3.11 it is a Python function around
    the C module's dict of current tasks (~1,200 instructions a call, asked once per message
    by a read), so that dict's own ``get``; from 3.12 on it is C itself."""
    tasks = getattr(asyncio.tasks, "_current_tasks", None)
    if sys.version_info < (3, 12) and isinstance(tasks, dict):
        return tasks.get
    return asyncio.current_task


current_task: Final = _current_task_reader()


Recover = Callable[[Exception], Coroutine[Any, Any, Any]]  # see NativeWebSocket.recover_with


class Resume:
    """Hands a parked coroutine's next value to its task (when it can't be resumed here)."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class Driver:
    """One app coroutine, its task, and the way to resume it from a callback."""

    __slots__ = ("context", "coro", "done", "finished", "loop", "recover", "send", "task", "wake")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        coro: Coroutine[Any, Any, Any],
        done: Done,
        recover: Recover | None = None,
    ) -> None:
        self.loop = loop
        self.coro = coro
        self.send = coro.send  # (bound once: resume sends a message into it each time)
        self.done = done
        self.recover = recover  # once: the coroutine to run in its place if it raises
        self.finished = False
        # Set while the coroutine is parked: the future the task waits on meanwhile.  The
        # coroutine is parked while it is set and not done (done: the task is being
        # cancelled); connection.py's ``_parked`` asks.
        self.wake: asyncio.Future[Any] | None = None
        self.context = contextvars.copy_context()
        self.task: asyncio.Task[None] = loop.create_task(
            self._run(), name=TASK_NAME, context=self.context
        )
        keep_until_done(self.task)  # the loop holds tasks weakly: see tasks.py

    def resume(self, value: object) -> None:
        """Resume the parked coroutine with ``value`` (a message; None: look again) now."""
        wake = self.wake
        assert wake is not None  # (and not done: the caller checked it is parked)
        self.wake = None
        loop = self.loop
        task = self.task
        try:
            _enter_task(loop, task)
        except RuntimeError:  # inside another task: the coroutine's own task resumes it
            wake.set_result(Resume(value))
            return
        try:  # (the coroutine's send itself, not _advance: a Python call less per message)
            step = self.context.run(self.send, value)
        except BaseException as exc:
            step = self.context.run(self._ended, exc)
        finally:
            _leave_task(loop, task)
        if step is PARKED:
            self.wake = wake
        elif not wake.done():  # (done: the task was cancelled meanwhile, and will say so)
            wake.set_result(step)

    def _advance(self, value: object, error: BaseException | None) -> Any:
        """One step of the coroutine: what it waits on next, or FINISHED."""
        if self.finished:
            return FINISHED
        try:
            if error is None:
                return self.coro.send(value)
            return self.coro.throw(error)
        except BaseException as exc:
            return self._ended(exc)

    def _ended(self, exc: BaseException) -> Any:
        """The coroutine ended with ``exc`` (StopIteration: it returned): tell ``done``; or,
        when it raised an Exception and a ``recover`` was given, go on with the coroutine
        that gives (its first step is returned, as ``_advance`` returns one)."""
        recover = self.recover
        if recover is not None and not isinstance(exc, StopIteration):
            self.recover = None
            if isinstance(exc, Exception):
                try:
                    coro = self.coro = recover(exc)
                    self.send = coro.send
                except Exception as raised:
                    exc = raised
                else:
                    return self._advance(None, None)
        self.finished = True
        if isinstance(exc, StopIteration):
            self.done(None)
        else:
            report_failure(self.done, exc)
        return FINISHED

    async def _run(self) -> None:
        """The task's body: step the coroutine; wait on what it waits on, as a task would."""
        step = self._advance(None, None)
        while step is not FINISHED:
            error: BaseException | None = None
            if step is PARKED:
                wake = self.wake = self.loop.create_future()
                try:
                    step = await wake
                except asyncio.CancelledError as exc:
                    self.wake = None
                    step = self._advance(None, exc)
                    continue
                if type(step) is Resume:
                    step = self._advance(step.value, None)
                continue
            try:
                if step is None:
                    await asyncio.sleep(0)  # a bare yield: let the loop run once
                elif hasattr(step, "_asyncio_future_blocking"):
                    step._asyncio_future_blocking = False  # as a task does, before waiting
                    await step
                else:
                    error = RuntimeError(f"a WebSocket app yielded {step!r}, not a future")
            except asyncio.CancelledError as exc:
                if step is None or not step.cancelled():
                    error = exc  # this task was cancelled, not the awaited future
            except BaseException:
                pass  # the future failed: the coroutine reads that when resumed
            step = self._advance(None, error)
