"""Declaring routes with decorators, in an App or in a Router to include with a prefix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from squall.params import Depends

Endpoint = Callable[..., Any]


@dataclass(frozen=True)
class Declaration:
    """A route as declared: compiled by the App it ends up in."""

    path: str
    methods: tuple[str, ...]
    endpoint: Endpoint
    status_code: int = 200
    tags: tuple[str, ...] = ()
    dependencies: tuple[Depends, ...] = ()  # run for the route, values not passed on


class Router:
    """Collects routes from ``@router.get(...)`` etc.; ``App.include_router`` adds them."""

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: Sequence[str] = (),
        dependencies: Sequence[Depends] = (),
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"a prefix starts with '/' and does not end with one: {prefix!r}")
        self.prefix = prefix
        self.tags = tuple(tags)
        self.dependencies = tuple(dependencies)
        self.declarations: list[Declaration] = []

    def add(self, declaration: Declaration) -> None:
        self.declarations.append(declaration)

    def route(
        self,
        path: str,
        *,
        methods: Sequence[str],
        status_code: int = 200,
        tags: Sequence[str] = (),
        dependencies: Sequence[Depends] = (),
    ) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.add(
                Declaration(
                    self.prefix + path,
                    tuple(m.upper() for m in methods),
                    endpoint,
                    status_code,
                    self.tags + tuple(tags),
                    self.dependencies + tuple(dependencies),
                )
            )
            return endpoint

        return register

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, methods=["DELETE"], **options)

    def head(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, methods=["HEAD"], **options)

    def options(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route(path, methods=["OPTIONS"], **options)

    def include_router(
        self,
        router: Router,
        *,
        prefix: str = "",
        tags: Sequence[str] = (),
        dependencies: Sequence[Depends] = (),
    ) -> None:
        """Add ``router``'s routes under ``prefix``, with extra tags and dependencies."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"a prefix starts with '/' and does not end with one: {prefix!r}")
        for declaration in router.declarations:
            self.add(
                replace(
                    declaration,
                    path=self.prefix + prefix + declaration.path,
                    tags=self.tags + tuple(tags) + declaration.tags,
                    dependencies=self.dependencies + tuple(dependencies) + declaration.dependencies,
                )
            )
