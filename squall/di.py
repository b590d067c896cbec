"""Dependency injection: solving ``Depends(...)`` parameters for one request.

Dependencies are planned per route when it is added (``squall.dependants``), called once per
request when cached, and may be generators: the code after ``yield`` runs once the response
has been sent (``scope="function"``: once the endpoint has returned), and sees the
endpoint's exception when it raises.  ``scope="app"`` dependencies are solved once and kept
until shutdown.  ``app.dependency_overrides`` swaps any dependency for another, e.g. in tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import AsyncExitStack
from typing import Any

from squall.background import BackgroundTasks
from squall.calling import call_dependency
from squall.dependants import Plan, Planned
from squall.params import Depends, Extractor, extract, extract_now
from squall.requests import Request
from squall.responses import Response
from squall.signatures import Kind

logger = logging.getLogger("squall.app")


class SwallowedException(RuntimeError):
    """A generator dependency caught the endpoint's exception and did not raise it again."""


class Container:
    """The app-wide part: overrides, and app-scoped values with their cleanup."""

    def __init__(self) -> None:
        self.overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.singletons: dict[Any, Any] = {}
        self.exit_stack = AsyncExitStack()
        self.executor: Executor | None = None  # runs ``def`` dependencies (the app's pool)

    async def create_singletons(self, plans: list[list[Extractor]]) -> None:
        """At startup: make every ``scope="app"`` dependency that needs nothing from a request."""
        solver = Solver(self)
        nothing = Request("GET", "/", b"", [], _no_body)
        for node in _app_scoped(plans, self):
            call = self.overrides.get(node.dependency, node.dependency)
            if call not in self.singletons and _standalone(node.plan(call)):
                await solver.solve(node, nothing, {})

    async def close(self) -> None:
        await self.exit_stack.aclose()
        self.singletons.clear()


async def _no_body() -> bytes:
    return b""


def _standalone(plan: Plan) -> bool:
    return all(
        ex.place == "depends" and ex.depends is not None and ex.depends.scope == "app"
        for ex in plan.extractors
    )


def _app_scoped(plans: list[list[Extractor]], container: Container) -> list[Planned]:
    """Every app-scoped dependency in ``plans``, dependencies of dependencies first."""
    found: list[Planned] = []
    seen: set[Callable[..., Any]] = set()

    def visit(plan: list[Extractor]) -> None:
        for ex in plan:
            node = ex.depends
            if ex.place != "depends" or not isinstance(node, Planned):
                continue
            call = container.overrides.get(node.dependency, node.dependency)
            if call in seen:
                continue
            seen.add(call)
            visit(node.plan(call).extractors)
            if node.scope == "app":
                found.append(node)

    for plan in plans:
        visit(plan)
    return found


class Solver:
    """One request's dependency values, cleanups and background tasks."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.cache: dict[Any, Any] = {}
        # Made for the first generator dependency of each scope:
        self._request_stack: AsyncExitStack | None = None  # closed after the response
        self._function_stack: AsyncExitStack | None = None  # closed after the endpoint
        self.tasks: BackgroundTasks | None = None
        self.partial: Response | None = None  # set when the endpoint asks for a Response

    @property
    def idle(self) -> bool:
        """Nothing to do after the response: no background task, nothing to close."""
        return self.tasks is None and self._request_stack is None

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
        if not isinstance(depends, Planned):
            raise TypeError(f"{depends!r} was not planned with its route (squall.dependants)")
        container = self.container
        declared = depends.dependency
        call = container.overrides.get(declared, declared) if container.overrides else declared
        plan = depends.plan(call)
        key = (call, depends.scopes) if plan.uses_scopes else call
        scope = depends.scope
        cache = container.singletons if scope == "app" else self.cache
        if (depends.use_cache or scope == "app") and key in cache:
            return cache[key]
        if plan.reads_now:  # the common cases without a coroutine each: ~1.5k instructions
            kwargs = extract_now(plan.extractors, request, path, self)
        else:
            kwargs = await extract(plan.extractors, request, path, self)
        if plan.kind is Kind.ASYNC:
            value = await call(**kwargs)
        else:
            value = await call_dependency(
                plan.kind, call, kwargs, self._stack_for(scope), container.executor
            )
        if key not in cache:
            cache[key] = value
        return value

    def _stack_for(self, scope: str) -> AsyncExitStack:
        if scope == "app":
            return self.container.exit_stack
        if scope == "function":
            if self._function_stack is None:
                self._function_stack = AsyncExitStack()
            return self._function_stack
        if self._request_stack is None:
            self._request_stack = AsyncExitStack()
        return self._request_stack

    @property
    def closes_after_endpoint(self) -> bool:
        """A ``scope="function"`` generator dependency is open (see endpoint_returned)."""
        return self._function_stack is not None

    async def endpoint_returned(self) -> None:
        """Close the ``scope="function"`` generator dependencies (before the response)."""
        stack, self._function_stack = self._function_stack, None
        if stack is not None:
            await stack.aclose()

    async def unwind(self, exc: Exception) -> None:
        """The endpoint or a dependency raised ``exc``: throw it into the open generator
        dependencies (function scope, then request scope, each newest first).  Returns when
        they let it through; raises what one of them raised instead."""
        current: BaseException = exc
        for stack in self._take_stacks():
            try:
                swallowed = await stack.__aexit__(type(current), current, current.__traceback__)
            except Exception as raised:
                current = raised
                continue
            if swallowed:
                swallowed_exc = SwallowedException(
                    "a dependency with yield caught an exception and did not raise it again "
                    "(re-raise it, or raise an HTTPException): no response can be made"
                )
                swallowed_exc.__cause__ = current
                current = swallowed_exc
        if current is not exc:
            raise current

    def _take_stacks(self) -> list[AsyncExitStack]:
        stacks = [s for s in (self._function_stack, self._request_stack) if s is not None]
        self._function_stack = self._request_stack = None
        return stacks

    async def finish(self) -> None:
        """After the response: run background tasks, then close generator dependencies."""
        try:
            if self.tasks is not None:
                await self.tasks.run()
        finally:
            stacks = self._take_stacks()
            for stack in stacks:
                try:
                    await stack.aclose()
                except Exception:
                    logger.exception("a dependency failed while closing")
