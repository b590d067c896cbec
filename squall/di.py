"""Dependency injection: solving ``Depends(...)`` parameters for one request.

Dependencies are planned like endpoints (their own parameters can be path, query, body,
other dependencies...), called once per request when cached, and may be generators:
the code after ``yield`` runs once the response has been sent.  ``scope="app"``
dependencies are solved once and kept until shutdown.  ``app.dependency_overrides``
swaps any dependency for another, e.g. in tests.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AsyncExitStack
from typing import Any

from squall.background import BackgroundTasks
from squall.params import Depends, Extractor, extract, plan_endpoint
from squall.requests import Request
from squall.responses import Response

logger = logging.getLogger("squall.app")


class Container:
    """The app-wide part: overrides, plans, and app-scoped values with their cleanup."""

    def __init__(self) -> None:
        self.overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.plans: dict[Callable[..., Any], list[Extractor]] = {}
        self.singletons: dict[Callable[..., Any], Any] = {}
        self.exit_stack = AsyncExitStack()
        self.executor: Executor | None = None  # runs ``def`` dependencies (the app's pool)

    def plan(self, call: Callable[..., Any], path: dict[str, Any]) -> list[Extractor]:
        plan = self.plans.get(call)
        if plan is None:
            plan = self.plans[call] = plan_endpoint(call, set(path))
        return plan

    async def create_singletons(self, plans: list[list[Extractor]]) -> None:
        """At startup: make every ``scope="app"`` dependency that needs nothing from a request."""
        solver = Solver(self)
        nothing = Request("GET", "/", b"", [], _no_body)
        for depends in _app_scoped(plans, self):
            call = self.overrides.get(depends.dependency, depends.dependency)
            if call not in self.singletons and self._standalone(call):
                await solver.solve(depends, nothing, {})

    def _standalone(self, call: Callable[..., Any]) -> bool:
        plan = self.plan(call, {})
        return all(
            ex.place == "depends" and ex.depends is not None and ex.depends.scope == "app"
            for ex in plan
        )

    async def close(self) -> None:
        await self.exit_stack.aclose()
        self.singletons.clear()


async def _no_body() -> bytes:
    return b""


def _app_scoped(plans: list[list[Extractor]], container: Container) -> list[Depends]:
    """Every app-scoped dependency in ``plans``, dependencies of dependencies first."""
    found: list[Depends] = []
    seen: set[Callable[..., Any]] = set()

    def visit(plan: list[Extractor]) -> None:
        for ex in plan:
            if ex.place != "depends" or ex.depends is None:
                continue
            call = container.overrides.get(ex.depends.dependency, ex.depends.dependency)
            if call in seen:
                continue
            seen.add(call)
            visit(container.plan(call, {}))
            if ex.depends.scope == "app":
                found.append(ex.depends)

    for plan in plans:
        visit(plan)
    return found


class Solver:
    """One request's dependency values, cleanups and background tasks."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.cache: dict[Callable[..., Any], Any] = {}
        self._exit_stack: AsyncExitStack | None = None  # made for the first generator dependency
        self.tasks: BackgroundTasks | None = None
        self.partial: Response | None = None  # set when the endpoint asks for a Response

    @property
    def exit_stack(self) -> AsyncExitStack:
        if self._exit_stack is None:
            self._exit_stack = AsyncExitStack()
        return self._exit_stack

    @property
    def idle(self) -> bool:
        """Nothing to do after the response: no background task, nothing to close."""
        return self.tasks is None and self._exit_stack is None

    def response(self) -> Response:
        """A response to set status, headers and cookies on; the result fills its body."""
        if self.partial is None:
            self.partial = Response(status_code=0)
        return self.partial

    def background(self) -> BackgroundTasks:
        if self.tasks is None:
            self.tasks = BackgroundTasks()
        return self.tasks

    async def solve(self, depends: Depends, request: Request, path: dict[str, Any]) -> Any:
        container = self.container
        call = container.overrides.get(depends.dependency, depends.dependency)
        app_scope = depends.scope == "app"
        cache = container.singletons if app_scope else self.cache
        if (depends.use_cache or app_scope) and call in cache:
            return cache[call]
        kwargs = await extract(container.plan(call, path), request, path, self)
        stack = container.exit_stack if app_scope else self.exit_stack
        value = await _call(call, kwargs, stack, container.executor)
        if depends.use_cache or app_scope:
            cache[call] = value
        return value

    async def finish(self) -> None:
        """After the response: run background tasks, then close generator dependencies."""
        try:
            if self.tasks is not None:
                await self.tasks.run()
        finally:
            try:
                if self._exit_stack is not None:
                    await self._exit_stack.aclose()
            except Exception:
                logger.exception("a dependency failed while closing")


async def _call(
    call: Callable[..., Any], kwargs: dict[str, Any], stack: AsyncExitStack, pool: Executor | None
) -> Any:
    if inspect.isasyncgenfunction(call):
        generator = call(**kwargs)
        value = await generator.__anext__()
        stack.push_async_callback(_finish_async_generator, generator)
        return value
    if inspect.isgeneratorfunction(call):
        generator = call(**kwargs)
        value = next(generator)
        stack.callback(_finish_generator, generator)
        return value
    if inspect.iscoroutinefunction(call):
        return await call(**kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(call, **kwargs))


async def _finish_async_generator(generator: Any) -> None:
    try:
        await generator.__anext__()
    except StopAsyncIteration:
        return
    raise RuntimeError(f"dependency {generator!r} yielded more than once")


def _finish_generator(generator: Any) -> None:
    try:
        next(generator)
    except StopIteration:
        return
    raise RuntimeError(f"dependency {generator!r} yielded more than once")
