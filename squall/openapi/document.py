"""The OpenAPI 3.1 document: info, servers, paths (one operation per route and method),
components and tags.

``get_openapi`` takes FastAPI's keywords (so a ``custom_openapi`` written for FastAPI
works), ``app_openapi`` reads them from an App.  Routes with ``include_in_schema=False``,
WebSocket routes and mounted apps are not described.  The document is a plain dict of JSON
values, built once: the App caches it (``App.openapi()``) and serves its bytes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from squall.openapi.operations import openapi_path, operation
from squall.openapi.schemas import Schemas
from squall.route import Route

if TYPE_CHECKING:
    from squall.app import App

OPENAPI_VERSION = "3.1.0"


def get_openapi(
    *,
    title: str,
    version: str,
    routes: Sequence[Route],
    openapi_version: str = OPENAPI_VERSION,
    summary: str | None = None,
    description: str | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    external_docs: dict[str, Any] | None = None,
    webhooks: Sequence[Route] | None = None,
    separate_input_output_schemas: bool = True,
) -> dict[str, Any]:
    """The document for ``routes`` (an App's ``app.routes``); ``webhooks``: planned routes
    (squall.openapi.webhooks), each keyed by its declaration's path;
    ``separate_input_output_schemas=False``: a pydantic model is described as it is
    received in responses too (one component, unless it has computed fields), as FastAPI's
    option does."""
    info: dict[str, Any] = {"title": title, "version": version}
    optional = {
        "summary": summary,
        "description": description,
        "termsOfService": terms_of_service,
        "contact": contact,
        "license": license_info,
    }
    info.update({key: value for key, value in optional.items() if value})
    document: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        document["servers"] = [dict(server) for server in servers]
    schemas = Schemas(separate_input_output_schemas)
    security_schemes: dict[str, Any] = {}
    operation_ids: dict[str, str] = {}
    document["paths"] = _paths(routes, schemas, security_schemes, operation_ids, _template)
    if webhooks:
        document["webhooks"] = _paths(
            webhooks, schemas, security_schemes, operation_ids, _webhook_name
        )
    components: dict[str, Any] = {}
    found = schemas.finish()
    if found:
        components["schemas"] = found
    if security_schemes:
        components["securitySchemes"] = dict(sorted(security_schemes.items()))
    if components:
        document["components"] = components
    if tags:
        document["tags"] = [dict(tag) for tag in tags]
    if external_docs:
        document["externalDocs"] = dict(external_docs)
    return document


def _template(route: Route) -> str:
    return openapi_path(route.path)


def _webhook_name(route: Route) -> str:
    assert route.declaration is not None  # a planned webhook keeps it
    return route.declaration.path


def _paths(
    routes: Sequence[Route],
    schemas: Schemas,
    security_schemes: dict[str, Any],
    operation_ids: dict[str, str],
    key: Callable[[Route], str],
) -> dict[str, Any]:
    """The Path Items of ``routes``, each under ``key(route)``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        declaration = route.declaration
        if declaration is None or not declaration.include_in_schema:
            continue
        path = key(route)
        for method in route.methods:
            described = operation(route, method, schemas, security_schemes)
            _check_unique(described["operationId"], f"{method} {path}", operation_ids)
            paths.setdefault(path, {})[method.lower()] = described
    return paths


def _check_unique(operation_id: str, where: str, seen: dict[str, str]) -> None:
    first = seen.setdefault(operation_id, where)
    if first != where:
        warnings.warn(
            f"OpenAPI: duplicate operationId {operation_id!r} ({first} and {where})",
            stacklevel=4,
        )


def app_openapi(app: App, root_path: str = "") -> dict[str, Any]:
    """The document of ``app``, as ``App.openapi()`` builds it; a server at ``root_path``
    is listed first when it is not among ``app.servers`` (FastAPI's rule), unless
    ``app.root_path_in_servers`` is False."""
    from squall.openapi.webhooks import webhook_routes

    servers = list(app.servers)
    listed = any(server.get("url") == root_path for server in servers)
    if root_path and app.root_path_in_servers and not listed:
        servers.insert(0, {"url": root_path})
    return get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=servers,
        terms_of_service=app.terms_of_service,
        contact=app.contact,
        license_info=app.license_info,
        webhooks=webhook_routes(app),
        separate_input_output_schemas=app.separate_input_output_schemas,
    )
