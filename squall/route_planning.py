"""Planning a declared HTTP route, once, when it is added: its parameters (the endpoint's and
its dependencies', squall.params / squall.dependants), the type that shapes its results and
its response class.  The App compiles its routes with it; the OpenAPI document its webhooks,
which are described and never routed (squall/openapi/webhooks.py).
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

from squall.dependants import plan_route
from squall.params import plan_endpoint
from squall.route import Route
from squall.router import INFERRED, Declaration
from squall.routing import parse_template
from squall.shaping import FieldFilter


def _declared_type(declaration: Declaration) -> Any:
    """What shapes the route's results: ``response_model``, else the return annotation."""
    declared = declaration.response_model
    if declared is INFERRED:
        declared = typing.get_type_hints(declaration.endpoint).get("return")
    return None if declared in (None, type(None), Any) else declared


def plan_http_route(
    declaration: Declaration, strict_content_type: bool, default_response_class: type | None
) -> Route:
    """An HTTP route, planned from its declaration (an App's, or a webhook's to describe)."""
    path = declaration.path
    names = {seg.name for seg in parse_template(path) if not isinstance(seg, str)}
    extractors = plan_endpoint(declaration.endpoint, names, strict_content_type)
    extractors = plan_route(
        extractors, frozenset(names), declaration.dependencies, strict_content_type
    )
    fields = FieldFilter(
        declaration.response_model_include,
        declaration.response_model_exclude,
        declaration.response_model_exclude_unset,
        declaration.response_model_exclude_none,
        declaration.response_model_exclude_defaults,
        declaration.response_model_by_alias,
    )
    return Route(
        path,
        declaration.methods,
        declaration.endpoint,
        declaration.status_code,
        extractors,
        _declared_type(declaration),
        inspect.iscoroutinefunction(declaration.endpoint),
        declaration.response_class or default_response_class,
        fields,
        declaration,
    )
