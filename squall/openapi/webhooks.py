"""Webhooks: requests the app sends to its users' servers, described under the document's
``webhooks`` key (OpenAPI 3.1), as FastAPI's ``app.webhooks``.

``app.webhooks`` is a Router whose routes are never served: ``@app.webhooks.post(
"new-subscription")`` declares the request the app will send, the path being the
webhook's name (FastAPI's convention; no leading ``/`` needed).  Each is planned as an HTTP
route is (parameters, body, responses) to be described, keyed by that name; its default
operationId is FastAPI's (``name + name + method``: ``new_subscriptionnew_subscription_post``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from squall.openapi.naming import default_operation_id
from squall.openapi.operations import endpoint_name
from squall.route import Route
from squall.route_planning import plan_http_route
from squall.router import Declaration

if TYPE_CHECKING:
    from squall.app import App


def webhook_routes(app: App) -> list[Route]:
    """The app's webhooks, planned; each route's ``declaration.path`` is the webhook's name."""
    return [
        _planned(declaration, app.strict_content_type, app.default_response_class)
        for declaration in app.webhooks.declarations
    ]


def _planned(
    declaration: Declaration, strict_content_type: bool, default_response_class: type | None
) -> Route:
    named = declaration
    if declaration.operation_id is None and len(declaration.methods) == 1:
        operation_id = default_operation_id(
            endpoint_name(declaration), declaration.path, declaration.methods[0]
        )
        named = replace(declaration, operation_id=operation_id)
    routable = replace(named, path="/" + declaration.path.lstrip("/"))  # a template to parse
    route = plan_http_route(routable, strict_content_type, default_response_class)
    route.declaration = named  # described under its own name
    return route
