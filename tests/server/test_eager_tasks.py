"""The per-connection worker that runs request coroutines eagerly (squall.server.tasks)."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from squall.server.eager import Worker
from squall.server.main import new_event_loop
from squall.server.tasks import request_tasks
from tests.server.serving import TEST_LOOP

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
ended: list[BaseException | None] = []  # what the workers reported, in order


class Recorder:
    """Stands in for the request a worker runs: what the worker reports lands in a list."""

    def __init__(self, reports: list[BaseException | None]) -> None:
        self.reports = reports

    def app_done(self, exc: BaseException | None) -> None:
        self.reports.append(exc)


RECORDER = Recorder(ended)


def run_in_loop(scenario: Callable[[asyncio.AbstractEventLoop], Coroutine[Any, Any, Any]]) -> Any:
    loop = new_event_loop(TEST_LOOP)
    try:
        return loop.run_until_complete(scenario(loop))
    finally:
        close_loop(loop)


def close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what the scenario left parked (idle workers), then close."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending))
    loop.close()


async def ready_worker(loop: asyncio.AbstractEventLoop) -> tuple[Worker, list[Any]]:
    fallbacks: list[Any] = []

    def fallback(coro: Coroutine[Any, Any, Any]) -> None:
        fallbacks.append(coro)
        loop.create_task(coro)

    worker = Worker(loop, fallback)
    await asyncio.sleep(0)  # let the worker park itself
    return worker, fallbacks


async def until(condition: Callable[[], bool], what: str, limit: float = 2.0) -> None:
    """Yield to the loop until ``condition`` holds; fail the test after ``limit`` seconds."""
    deadline = asyncio.get_running_loop().time() + limit
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out after {limit} s waiting for {what}")
        await asyncio.sleep(0.001)


def from_callback(loop: asyncio.AbstractEventLoop, fn: Callable[[], None]) -> asyncio.Future[None]:
    """Call ``fn`` from a plain loop callback, as ``data_received`` is called."""
    done: asyncio.Future[None] = loop.create_future()

    def call() -> None:
        try:
            fn()
        except BaseException as exc:  # the test fails instead of waiting forever
            done.set_exception(exc)
        else:
            done.set_result(None)

    loop.call_soon(call)
    return done


def test_a_request_that_never_suspends_runs_to_the_end_inside_the_worker() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, fallbacks = await ready_worker(loop)
        seen: list[Any] = []

        async def request() -> None:
            seen.append(asyncio.current_task())

        await from_callback(loop, lambda: worker.run(request(), RECORDER))
        assert seen == [worker.task]  # done before the callback returned
        assert ended[-1] is None
        assert fallbacks == []
        assert not worker.busy

    run_in_loop(scenario)


def test_a_suspended_request_is_finished_by_the_same_task() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, fallbacks = await ready_worker(loop)
        tasks: list[Any] = []
        finished = loop.create_future()

        async def request() -> None:
            tasks.append(asyncio.current_task())
            await asyncio.sleep(0.01)
            tasks.append(asyncio.current_task())
            await asyncio.sleep(0)
            tasks.append(asyncio.current_task())
            finished.set_result(True)

        await from_callback(loop, lambda: worker.run(request(), RECORDER))
        assert worker.busy
        assert await asyncio.wait_for(finished, 2)
        assert tasks == [worker.task] * 3
        await asyncio.sleep(0)
        assert not worker.busy
        assert fallbacks == []

    run_in_loop(scenario)


def test_a_second_request_while_the_worker_is_busy_falls_back_to_its_own_task() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, fallbacks = await ready_worker(loop)
        release = loop.create_future()

        async def slow() -> None:
            await release

        async def quick() -> None:
            return None

        await from_callback(loop, lambda: worker.run(slow(), RECORDER))
        await from_callback(loop, lambda: worker.run(quick(), RECORDER))
        assert len(fallbacks) == 1
        release.set_result(None)
        await until(lambda: not worker.busy, "the worker to be free again")

    run_in_loop(scenario)


def test_each_request_gets_its_own_context_and_keeps_it_across_suspensions() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, _ = await ready_worker(loop)
        seen: dict[str, list[str]] = {}
        finished = loop.create_future()

        async def request(name: str, suspend: bool) -> None:
            before = request_id.get()
            request_id.set(name)
            if suspend:
                await asyncio.sleep(0.01)
            seen[name] = [before, request_id.get()]
            if suspend:
                finished.set_result(None)

        await from_callback(loop, lambda: worker.run(request("a", False), RECORDER))
        await from_callback(loop, lambda: worker.run(request("b", True), RECORDER))
        await asyncio.wait_for(finished, 2)
        assert seen == {"a": ["-", "a"], "b": ["-", "b"]}  # nothing leaked from a into b
        assert request_id.get() == "-"  # nor into the loop's own context

    run_in_loop(scenario)


def test_asyncio_timeout_works_before_and_after_the_hand_over() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, _ = await ready_worker(loop)
        outcome = loop.create_future()

        async def request() -> None:
            try:
                async with asyncio.timeout(0.05):  # entered during the eager step
                    await asyncio.sleep(5)
            except TimeoutError:
                outcome.set_result("timed out")
            else:
                outcome.set_result("not cancelled")

        await from_callback(loop, lambda: worker.run(request(), RECORDER))
        assert await asyncio.wait_for(outcome, 2) == "timed out"

    run_in_loop(scenario)


def test_cancelling_the_worker_cancels_the_request_it_drives() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, _ = await ready_worker(loop)
        outcome = loop.create_future()
        entered = loop.create_future()

        async def request() -> None:
            entered.set_result(None)
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                outcome.set_result("cancelled")
                raise

        await from_callback(loop, lambda: worker.run(request(), RECORDER))
        await asyncio.wait_for(entered, 2)
        assert worker.task in request_tasks(loop)
        worker.task.cancel()
        assert await asyncio.wait_for(outcome, 2) == "cancelled"

    run_in_loop(scenario)


def test_exceptions_from_awaited_futures_reach_the_request() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, _ = await ready_worker(loop)
        outcome = loop.create_future()
        failing = loop.create_future()

        async def request() -> None:
            try:
                await failing
            except ValueError as exc:
                outcome.set_result(str(exc))

        await from_callback(loop, lambda: worker.run(request(), RECORDER))
        failing.set_exception(ValueError("from the future"))
        assert await asyncio.wait_for(outcome, 2) == "from the future"

    run_in_loop(scenario)


def test_how_a_request_ended_is_reported_eagerly_and_after_suspending() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, _ = await ready_worker(loop)
        reports: list[BaseException | None] = []

        async def fails_at_once() -> None:
            raise KeyError("eager")

        async def fails_later() -> None:
            await asyncio.sleep(0)
            raise KeyError("later")

        await from_callback(loop, lambda: worker.run(fails_at_once(), Recorder(reports)))
        await from_callback(loop, lambda: worker.run(fails_later(), Recorder(reports)))
        await until(lambda: len(reports) == 2, "both requests to end")
        assert [str(exc) for exc in reports] == ["'eager'", "'later'"]
        assert not worker.busy

    run_in_loop(scenario)


def test_closing_an_idle_worker_ends_its_task() -> None:
    async def scenario(loop: asyncio.AbstractEventLoop) -> None:
        worker, _ = await ready_worker(loop)
        worker.close()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert worker.task.done()

    run_in_loop(scenario)


@pytest.mark.parametrize("loop_name", ["asyncio", "uvloop"])
def test_the_worker_runs_on_both_loops(loop_name: str) -> None:
    loop = new_event_loop(loop_name)

    async def scenario() -> list[Any]:
        worker, _ = await ready_worker(loop)
        seen: list[Any] = []

        async def request() -> None:
            await asyncio.sleep(0)
            seen.append(asyncio.current_task() is worker.task)

        await from_callback(loop, lambda: worker.run(request(), RECORDER))
        await until(lambda: seen != [], "the request to resume")
        return seen

    try:
        assert loop.run_until_complete(scenario()) == [True]
    finally:
        close_loop(loop)
