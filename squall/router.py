"""Declaring routes with decorators, in an App or in a Router to include with a prefix.

The route keywords follow FastAPI's: response shaping (``response_model`` and its
``response_model_*`` options), ``response_class``, and the OpenAPI metadata (``summary``,
``tags``, ``responses``...), which is stored on the declaration for the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from squall.params import Depends
from squall.reverse import path_for

Endpoint = Callable[..., Any]


class _Inferred:
    """``response_model``'s default: take the endpoint's return annotation."""

    def __repr__(self) -> str:
        return "INFERRED"


INFERRED: Any = _Inferred()


@dataclass(frozen=True)
class Declaration:
    """A route as declared: compiled by the App it ends up in."""

    path: str
    methods: tuple[str, ...]
    endpoint: Endpoint
    status_code: int = 200
    tags: tuple[str, ...] = ()
    dependencies: tuple[Depends, ...] = ()  # run for the route, values not passed on
    # How the result becomes the response (see squall/shaping.py).
    response_model: Any = INFERRED  # None: no shaping; INFERRED: the return annotation
    response_class: type | None = None  # None: the App's default_response_class
    response_model_include: frozenset[str] | None = None
    response_model_exclude: frozenset[str] | None = None
    response_model_exclude_unset: bool = False
    response_model_exclude_none: bool = False
    response_model_exclude_defaults: bool = False
    response_model_by_alias: bool = True
    # OpenAPI metadata, kept for the schema.
    summary: str | None = None
    description: str | None = None
    response_description: str = "Successful Response"
    responses: Mapping[int | str, dict[str, Any]] = field(default_factory=dict)
    name: str | None = None
    operation_id: str | None = None
    deprecated: bool | None = None
    include_in_schema: bool = True
    openapi_extra: dict[str, Any] | None = None
    websocket: bool = False  # a WebSocket route (squall.websocket_route): matched by path only
    # A WebSocket route's messages, for its AsyncAPI channel (squall/asyncapi/): the types
    # the client sends (``receives``) and the route answers (``sends``); None: undeclared.
    receives: Any = None
    sends: Any = None


def _names(names: Sequence[str] | set[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)


def _check_prefix(prefix: str) -> None:
    if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
        raise ValueError(f"a prefix starts with '/' and does not end with one: {prefix!r}")


class Router:
    """Collects routes from ``@router.get(...)`` etc.; ``App.include_router`` adds them."""

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: Sequence[str] = (),
        dependencies: Sequence[Depends] = (),
        default_response_class: type | None = None,
        responses: Mapping[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        _check_prefix(prefix)
        self.prefix = prefix
        self.tags = tuple(tags)
        self.dependencies = tuple(dependencies)
        self.default_response_class = default_response_class
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.declarations: list[Declaration] = []

    def add(self, declaration: Declaration) -> None:
        self.declarations.append(declaration)

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        """The path of the route called ``name`` (its ``name=``, else its function's name)
        with these path parameters; raises squall.reverse.NoMatchFound."""
        named = ((declaration.name, declaration.path) for declaration in self.declarations)
        return path_for(named, name, path_params)

    def add_api_route(
        self,
        path: str,
        endpoint: Endpoint,
        *,
        methods: Sequence[str] | None = None,
        status_code: int | None = None,
        tags: Sequence[str] | None = None,
        dependencies: Sequence[Depends] | None = None,
        response_model: Any = INFERRED,
        response_class: type | None = None,
        response_model_include: Sequence[str] | set[str] | None = None,
        response_model_exclude: Sequence[str] | set[str] | None = None,
        response_model_exclude_unset: bool = False,
        response_model_exclude_none: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_by_alias: bool = True,
        summary: str | None = None,
        description: str | None = None,
        response_description: str = "Successful Response",
        responses: Mapping[int | str, dict[str, Any]] | None = None,
        name: str | None = None,
        operation_id: str | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        openapi_extra: dict[str, Any] | None = None,
    ) -> None:
        """Route ``endpoint`` at ``path`` for ``methods`` (GET when not given)."""
        self.add(
            Declaration(
                self.prefix + path,
                tuple(m.upper() for m in (methods or ["GET"])),
                endpoint,
                200 if status_code is None else status_code,
                self.tags + tuple(tags or ()),
                self.dependencies + tuple(dependencies or ()),
                response_model=response_model,
                response_class=response_class or self.default_response_class,
                response_model_include=_names(response_model_include),
                response_model_exclude=_names(response_model_exclude),
                response_model_exclude_unset=response_model_exclude_unset,
                response_model_exclude_none=response_model_exclude_none,
                response_model_exclude_defaults=response_model_exclude_defaults,
                response_model_by_alias=response_model_by_alias,
                summary=summary,
                description=description if description is not None else endpoint.__doc__,
                response_description=response_description,
                responses={**self.responses, **(responses or {})},
                name=name or getattr(endpoint, "__name__", None),
                operation_id=operation_id,
                deprecated=self.deprecated if deprecated is None else deprecated,
                include_in_schema=self.include_in_schema and include_in_schema,
                openapi_extra=openapi_extra,
            )
        )

    def api_route(
        self, path: str, *, methods: Sequence[str] | None = None, **options: Any
    ) -> Callable[[Endpoint], Endpoint]:
        """``@router.api_route(path, methods=[...], ...)``: the decorator form of add_api_route."""

        def register(endpoint: Endpoint) -> Endpoint:
            self.add_api_route(path, endpoint, methods=methods, **options)
            return endpoint

        return register

    def route(
        self, path: str, *, methods: Sequence[str], **options: Any
    ) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=methods, **options)

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["DELETE"], **options)

    def head(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["HEAD"], **options)

    def options(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["OPTIONS"], **options)

    def trace(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["TRACE"], **options)

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Endpoint,
        name: str | None = None,
        *,
        dependencies: Sequence[Depends] | None = None,
        **described: Any,
    ) -> None:
        """Route WebSocket connections at ``path`` to ``endpoint`` (an ``async def``);
        ``described``: its AsyncAPI keywords (``receives``, ``sends``, ``summary``,
        ``description``, ``tags``, ``include_in_schema``; see squall/asyncapi/)."""
        tags = self.tags + tuple(described.pop("tags", ()))
        self.add(
            Declaration(
                self.prefix + path,
                (),
                endpoint,
                tags=tags,
                dependencies=self.dependencies + tuple(dependencies or ()),
                name=name or getattr(endpoint, "__name__", None),
                websocket=True,
                **described,
            )
        )

    def websocket(
        self,
        path: str,
        name: str | None = None,
        *,
        dependencies: Sequence[Depends] | None = None,
        receives: Any = None,
        sends: Any = None,
        summary: str | None = None,
        description: str | None = None,
        tags: Sequence[str] = (),
        include_in_schema: bool = True,
    ) -> Callable[[Endpoint], Endpoint]:
        """``@router.websocket("/ws/{room}", receives=ChatIn, sends=ChatOut)``: the decorator
        form of add_api_websocket_route."""

        def register(endpoint: Endpoint) -> Endpoint:
            self.add_api_websocket_route(
                path,
                endpoint,
                name,
                dependencies=dependencies,
                receives=receives,
                sends=sends,
                summary=summary,
                description=description,
                tags=tags,
                include_in_schema=include_in_schema,
            )
            return endpoint

        return register

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[Endpoint], Endpoint]:
        """Starlette's spelling of ``websocket``."""
        return self.websocket(path, name)

    def include_router(
        self,
        router: Router,
        *,
        prefix: str = "",
        tags: Sequence[str] = (),
        dependencies: Sequence[Depends] = (),
        default_response_class: type | None = None,
        responses: Mapping[int | str, dict[str, Any]] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Add ``router``'s routes under ``prefix``, with extra tags and dependencies."""
        _check_prefix(prefix)
        for declaration in router.declarations:
            response_class = declaration.response_class or default_response_class
            self.add(
                replace(
                    declaration,
                    path=self.prefix + prefix + declaration.path,
                    tags=self.tags + tuple(tags) + declaration.tags,
                    dependencies=self.dependencies + tuple(dependencies) + declaration.dependencies,
                    response_class=response_class or self.default_response_class,
                    responses={**self.responses, **(responses or {}), **declaration.responses},
                    deprecated=deprecated or self.deprecated or declaration.deprecated,
                    include_in_schema=all(
                        (self.include_in_schema, include_in_schema, declaration.include_in_schema)
                    ),
                )
            )
