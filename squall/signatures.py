"""What kind of callable an endpoint or a dependency is, and its parameters' annotations.

A dependency may be a function, a class (its ``__init__`` parameters are read, the call
makes an instance) or an instance with a ``__call__`` method: each is looked at once, when
its route is planned.
"""

from __future__ import annotations

import enum
import inspect
import typing
from collections.abc import Callable
from typing import Any


class Kind(enum.Enum):
    """How a callable is called: awaited, run in the thread pool, or entered as a generator."""

    ASYNC = "async"
    SYNC = "sync"
    ASYNC_GENERATOR = "async generator"
    GENERATOR = "generator"


def type_hints(call: Callable[..., Any]) -> dict[str, Any]:
    """The annotations of ``call``'s parameters (``Annotated`` kept): for a class those of
    its ``__init__`` (over its field annotations), for an instance those of ``__call__``."""
    if inspect.isclass(call):
        hints = _hints_of(call)
        init = call.__dict__.get("__init__") or getattr(call, "__init__", None)
        if inspect.isfunction(init):
            hints.update(_hints_of(init))
        return hints
    if inspect.isroutine(call) or not callable(call):
        return _hints_of(call)
    method = getattr(type(call), "__call__", None)  # noqa: B004 (the method itself)
    if inspect.isfunction(method):
        return _hints_of(method)
    return _hints_of(call)


def _hints_of(target: Any) -> dict[str, Any]:
    return typing.get_type_hints(target, include_extras=True)


def kind_of(call: Callable[..., Any]) -> Kind:
    """A class is a sync call (its ``__init__`` runs in the thread pool); an instance is
    the kind of its ``__call__``."""
    target: Any = call
    if not inspect.isclass(call) and not inspect.isroutine(call):
        method = getattr(type(call), "__call__", None)  # noqa: B004 (the method itself)
        if method is not None:
            target = method
    if inspect.isasyncgenfunction(target):
        return Kind.ASYNC_GENERATOR
    if inspect.isgeneratorfunction(target):
        return Kind.GENERATOR
    if inspect.iscoroutinefunction(target):
        return Kind.ASYNC
    return Kind.SYNC
