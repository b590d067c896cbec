"""Planning dependencies per route, once, when the route is added.

Each ``Depends`` in a route's tree (the endpoint's parameters, the route's and routers'
``dependencies=``, the parameters of dependencies...) becomes a ``Planned`` node that knows
the route's path parameter names (a dependency reading ``item_id`` reads it from the path
in ``/items/{item_id}``, from the query elsewhere), the security scopes accumulated down to
it, and the plan of its callable's own parameters.  An override (``app.dependency_overrides``)
is planned the same way the first time it is used at that node.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from squall.params import MISSING, Depends, Extractor, awaits, embed_bodies, plan_endpoint
from squall.security import SecurityScopes, added_scopes
from squall.signatures import Kind, kind_of


class DependencyScopeError(RuntimeError):
    """A dependency closed after the response needs one closed before it."""


@dataclasses.dataclass
class Plan:
    """How to call one callable at one node: its parameters and kind."""

    extractors: list[Extractor]
    kind: Kind
    uses_scopes: bool  # it or a dependency below asks for SecurityScopes
    # Reading its arguments awaits nothing (no body, no dependency): the request, headers...
    # are read without a coroutine (a security scheme's ``__call__(request)`` is one).
    reads_now: bool = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.reads_now = not awaits(self.extractors)


class Planned(Depends):
    """A ``Depends`` at one place in one route's tree (see the module docstring)."""

    def __init__(
        self,
        declared: Depends,
        call: Callable[..., Any],
        names: frozenset[str],
        scopes: tuple[str, ...],
        strict_json: bool = True,
    ) -> None:
        super().__init__(call, use_cache=declared.use_cache, scope=declared.scope)
        self.dependency: Callable[..., Any] = call
        self.names = names
        self.scopes = scopes
        self.strict_json = strict_json  # App(strict_content_type=): for a body it reads
        self.plans: dict[Callable[..., Any], Plan] = {}

    def plan(self, call: Callable[..., Any]) -> Plan:
        """The plan for ``call`` here: the declared dependency or its override."""
        plan = self.plans.get(call)
        if plan is None:
            plan = self.plans[call] = plan_dependency(call, self)
        return plan


def plan_route(
    extractors: list[Extractor],
    names: frozenset[str],
    route_dependencies: tuple[Depends, ...],
    strict_json: bool = True,
) -> list[Extractor]:
    """A route's extractors with every dependency planned: the route's ``dependencies=``
    first (in order: app, routers, route), then the endpoint's own parameters.  The body
    parameters of the whole tree are read from one body, as FastAPI does: one in all is
    the body itself; several are keys of one JSON object."""
    extra = [
        Extractor(f"dependency {index}", "depends", "", Any, None, depends=depends, passed=False)
        for index, depends in enumerate(route_dependencies)
    ]
    planned = extra + extractors
    _plan_nodes(planned, names, (), None, strict_json)
    embed_bodies(_tree(planned, set()))
    return planned


def plan_dependency(call: Callable[..., Any], node: Planned) -> Plan:
    kind = kind_of(call)
    extractors = plan_endpoint(call, set(node.names), node.strict_json)
    uses_scopes = _plan_nodes(
        extractors, node.names, node.scopes, node if _generator(kind) else None, node.strict_json
    )
    return Plan(extractors, kind, uses_scopes)


def _tree(extractors: list[Extractor], seen: set[int]) -> list[Extractor]:
    """``extractors`` and those of the dependencies planned below them, each plan once."""
    found = list(extractors)
    for ex in extractors:
        node = ex.depends
        if ex.place == "depends" and isinstance(node, Planned):
            plan = node.plan(node.dependency)
            if id(plan) not in seen:
                seen.add(id(plan))
                found.extend(_tree(plan.extractors, seen))
    return found


def _plan_nodes(
    extractors: list[Extractor],
    names: frozenset[str],
    scopes: tuple[str, ...],
    closed_late: Planned | None,
    strict_json: bool,
) -> bool:
    """Turn each dependency in ``extractors`` into a Planned node, planned in turn; a
    ``SecurityScopes`` parameter gets ``scopes``.  Whether anything here uses scopes."""
    uses_scopes = False
    for index, ex in enumerate(extractors):
        if ex.annotation is SecurityScopes and ex.place != "depends":
            extractors[index] = _scopes_extractor(ex.name, names, scopes)
            uses_scopes = True
            continue
        declared = ex.depends
        if ex.place != "depends" or declared is None or isinstance(declared, Planned):
            continue
        call = declared.dependency if declared.dependency is not None else ex.annotation
        if call is Any or not callable(call):
            raise TypeError(f"Depends() on {ex.name!r} has no dependency and no class annotation")
        node = Planned(declared, call, names, added_scopes(scopes, declared), strict_json)
        if closed_late is not None and closed_late.scope != "function" and node.scope == "function":
            raise DependencyScopeError(
                f"{_name(closed_late.dependency)} is closed after the response, so it cannot "
                f'depend on {_name(call)}, whose scope is "function" (closed before it)'
            )
        ex.depends = node
        uses_scopes = node.plan(call).uses_scopes or uses_scopes
    return uses_scopes


def _scopes_extractor(name: str, names: frozenset[str], scopes: tuple[str, ...]) -> Extractor:
    """A parameter annotated SecurityScopes: a dependency giving this node's scopes."""

    async def security_scopes() -> SecurityScopes:
        return SecurityScopes(scopes)

    node = Planned(Depends(security_scopes, use_cache=False), security_scopes, names, scopes)
    node.plan(security_scopes)
    return Extractor(name, "depends", name, SecurityScopes, MISSING, depends=node)


def _generator(kind: Kind) -> bool:
    return kind in (Kind.GENERATOR, Kind.ASYNC_GENERATOR)


def _name(call: Callable[..., Any]) -> str:
    return getattr(call, "__qualname__", None) or repr(call)
