"""Matching request paths to routes: the framework's router core.

Paths without parameters live in a dict (one lookup); paths with parameters live in a tree
with one level per path segment, so a lookup walks the request's segments, not the route
list: its cost does not grow with the number of routes.  Templates look like
``/users/{user_id:int}/files/{rest:path}``; converters are ``str`` (the default), ``int``,
``float``, ``uuid`` and ``path`` (the rest of the path, last only).

A route's target is opaque here (an endpoint, a WebSocket handler, a mounted app...), so
the same matcher serves every kind of route.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Convert = Callable[[str], Any]
# RFC 9110 section 9.3 and PATCH (RFC 5789): methods an app knows even where it has no route
# for them (405); a method neither standard nor routed anywhere is not implemented (501).
STANDARD_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
)
_PARAM = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}$")


def _to_int(text: str) -> int:
    # ASCII digits only, as Starlette's [0-9]+: no signs, spaces, underscores, nor the
    # other scripts' digits that int() would read ("٣").
    if not (text.isascii() and text.isdigit()):
        raise ValueError(text)
    return int(text)


def _to_float(text: str) -> float:
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        raise ValueError(text)
    return float(text)


CONVERTERS: dict[str, Convert] = {
    "str": str,
    "int": _to_int,
    "float": _to_float,
    "uuid": uuid.UUID,
    "path": str,
}
# When several parameters could take a segment, the stricter converter is tried first.
_PRIORITY = {"uuid": 0, "int": 1, "float": 2, "str": 3}


class RouteError(ValueError):
    """A route template is malformed or clashes with another route."""


@dataclass(frozen=True)
class Param:
    name: str
    converter: str

    def convert(self, text: str) -> Any:
        return CONVERTERS[self.converter](text)


Segment = str | Param


def parse_template(template: str) -> list[Segment]:
    """``/a/{b:int}`` -> ``["a", Param("b", "int")]``; raises RouteError when malformed."""
    if not template.startswith("/"):
        raise RouteError(f"route paths start with '/': {template!r}")
    segments: list[Segment] = []
    names: set[str] = set()
    parts = template[1:].split("/")
    for position, part in enumerate(parts):
        if "{" not in part and "}" not in part:
            segments.append(part)
            continue
        match = _PARAM.match(part)
        if match is None:
            raise RouteError(f"a parameter must fill a whole segment: {part!r} in {template!r}")
        name, converter = match.group(1), match.group(2) or "str"
        if converter not in CONVERTERS:
            raise RouteError(f"unknown converter {converter!r} in {template!r}")
        if converter == "path" and position != len(parts) - 1:
            raise RouteError(f"a path parameter must come last: {template!r}")
        if name in names:
            raise RouteError(f"parameter {name!r} appears twice in {template!r}")
        names.add(name)
        segments.append(Param(name, converter))
    return segments


@dataclass
class _Node(Generic[T]):
    static: dict[str, _Node[T]] = field(default_factory=dict)
    params: list[tuple[Param, _Node[T]]] = field(default_factory=list)
    rest: tuple[Param, dict[str, T]] | None = None  # a trailing {name:path}
    methods: dict[str, T] | None = None  # routes ending at this node

    def child(self, segment: Segment) -> _Node[T]:
        if isinstance(segment, str):
            return self.static.setdefault(segment, _Node())
        for param, node in self.params:
            if param == segment:
                return node
            if param.converter == segment.converter:
                raise RouteError(f"{{{segment.name}}} and {{{param.name}}} clash at one place")
        node = _Node[T]()
        self.params.append((segment, node))
        self.params.sort(key=lambda pair: _PRIORITY[pair[0].converter])
        return node


@dataclass
class Match(Generic[T]):
    """The outcome of a lookup: exactly one of the fields below tells what to do."""

    target: T | None = None
    params: dict[str, Any] = field(default_factory=dict)
    allow: list[str] | None = None  # set when the path exists but not for this method
    redirect: str | None = None  # set when only the other trailing-slash form exists

    @property
    def found(self) -> bool:
        return self.target is not None


NOT_FOUND: Match[Any] = Match()


class Matcher(Generic[T]):
    """Routes by method and path template; see the module docstring."""

    def __init__(self, redirect_slashes: bool = True) -> None:
        self.redirect_slashes = redirect_slashes
        self.static: dict[str, dict[str, T]] = {}
        self._tree: _Node[T] = _Node()
        self.templates: list[tuple[str, tuple[str, ...]]] = []
        self.methods: set[str] = set(STANDARD_METHODS)  # every method some route takes

    def implements(self, method: str) -> bool:
        """Whether ``method`` is a standard one or some route takes it (else 501)."""
        return method in self.methods

    def add(self, template: str, methods: Iterable[str], target: T) -> None:
        methods = tuple(m.upper() for m in methods)
        if "GET" in methods and "HEAD" not in methods:
            methods = (*methods, "HEAD")  # a GET route answers HEAD too, body dropped
        segments = parse_template(template)
        if all(isinstance(s, str) for s in segments):
            table = self.static.setdefault(template, {})
        else:
            table = self._table(segments)
        for method in methods:
            if method in table:
                raise RouteError(f"{method} {template} is already routed")
            table[method] = target
        self.templates.append((template, methods))
        self.methods.update(methods)

    def _table(self, segments: list[Segment]) -> dict[str, T]:
        node = self._tree
        last = segments[-1]
        if isinstance(last, Param) and last.converter == "path":
            for segment in segments[:-1]:
                node = node.child(segment)
            if node.rest is None:
                node.rest = (last, {})
            elif node.rest[0] != last:
                raise RouteError(f"two path parameters clash: {last.name!r}")
            return node.rest[1]
        for segment in segments:
            node = node.child(segment)
        if node.methods is None:
            node.methods = {}
        return node.methods

    def match(self, method: str, path: str) -> Match[T]:
        """The route for ``method`` at ``path``; a static path is tried first, then the tree.

        A route of any shape that takes the method wins over one that doesn't: with
        ``GET /users/me`` and ``POST /users/{uid}``, ``POST /users/me`` reaches the second.
        """
        table = self.static.get(path)
        if table is not None:
            target = table.get(method)
            if target is not None:
                return Match(target, {})
        allowed: set[str] = set() if table is None else set(table)
        params: dict[str, Any] = {}
        found = self._walk(path, method, params, allowed)
        if found is not None:
            return Match(found[method], params)
        if allowed:
            return Match(allow=sorted(allowed))
        return self._other_slash(path)

    def _walk(
        self, path: str, method: str | None, params: dict[str, Any], allowed: set[str]
    ) -> dict[str, T] | None:
        """The first table on ``path`` with ``method`` (any table when None); every table on
        the path that lacks it adds its methods to ``allowed``."""
        if not path.startswith("/"):
            return None
        return _descend(self._tree, path[1:].split("/"), 0, method, params, allowed)

    def _other_slash(self, path: str) -> Match[T]:
        if not self.redirect_slashes or path == "/" or not path.startswith("/"):
            return NOT_FOUND
        other = path[:-1] if path.endswith("/") else path + "/"
        if other in self.static or self._walk(other, None, {}, set()) is not None:
            return Match(redirect=other)
        return NOT_FOUND


def _descend(
    node: _Node[T],
    parts: list[str],
    index: int,
    method: str | None,
    params: dict[str, Any],
    allowed: set[str],
) -> dict[str, T] | None:
    """The table for ``parts[index:]`` below ``node`` that routes ``method``, filling
    ``params`` on the way; tables on the path without the method add to ``allowed``."""
    if index == len(parts):
        return _taking(node.methods, method, allowed)
    part = parts[index]
    child = node.static.get(part)
    if child is not None:
        found = _descend(child, parts, index + 1, method, params, allowed)
        if found is not None:
            return found
    if part:
        for param, below in node.params:
            try:
                value = param.convert(part)
            except ValueError:
                continue
            found = _descend(below, parts, index + 1, method, params, allowed)
            if found is not None:
                params[param.name] = value
                return found
    if node.rest is not None and index < len(parts):
        rest = "/".join(parts[index:])
        if rest:
            param, table = node.rest
            found = _taking(table, method, allowed)
            if found is not None:
                params[param.name] = rest
            return found
    return None


def _taking(
    table: dict[str, T] | None, method: str | None, allowed: set[str]
) -> dict[str, T] | None:
    """``table`` if it routes ``method`` (or any method when None), else None."""
    if table is None:
        return None
    if method is None or method in table:
        return table
    allowed.update(table)
    return None


def route_path(path: str, root_path: str) -> str:
    """The part of ``path`` the app routes: without ``root_path`` when the path starts with it.

    ASGI servers put the root path in front of ``path`` (uvicorn, Squall's server); a proxy
    that strips the prefix itself sends paths without it: those are routed as they are.
    """
    if not path.startswith(root_path):
        return path
    rest = path[len(root_path) :]
    if not rest:
        return "/"
    return rest if rest[0] == "/" else path
