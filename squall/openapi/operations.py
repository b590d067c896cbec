"""One OpenAPI operation from one compiled route and method.

Metadata comes from the route's Declaration (squall/router.py): tags, summary (else the
endpoint's name, ``read_item`` -> ``Read Item``), description (else the docstring, cut at
a form feed as FastAPI does), operationId (else FastAPI's name + path + method),
deprecated, and ``openapi_extra`` merged in last.  Inputs come from the planned extractor
tree (squall/openapi/inputs.py), responses from squall/openapi/responses.py.
"""

from __future__ import annotations

import inspect
from typing import Any

from squall.openapi.bodies import request_body
from squall.openapi.inputs import gather
from squall.openapi.naming import default_operation_id, default_summary
from squall.openapi.parameters import parameters
from squall.openapi.responses import merge_extra, responses
from squall.openapi.schemas import Schemas
from squall.route import Route
from squall.router import Declaration
from squall.routing import parse_template


def openapi_path(template: str) -> str:
    """A route template as an OpenAPI path: ``/items/{item_id:int}`` -> ``/items/{item_id}``."""
    segments = parse_template(template)
    parts = [seg if isinstance(seg, str) else "{" + seg.name + "}" for seg in segments]
    return "/" + "/".join(parts)


def path_converters(template: str) -> dict[str, str]:
    """Each path parameter's converter: ``{"item_id": "int"}`` for ``/{item_id:int}``."""
    return {seg.name: seg.converter for seg in parse_template(template) if not isinstance(seg, str)}


def operation_id(declaration: Declaration, path: str, method: str) -> str:
    if declaration.operation_id is not None:
        return declaration.operation_id
    return default_operation_id(endpoint_name(declaration), path, method)


def endpoint_name(declaration: Declaration) -> str:
    """The route's ``name=``, else its function's name."""
    return str(declaration.name or getattr(declaration.endpoint, "__name__", "endpoint"))


def operation(
    route: Route, method: str, schemas: Schemas, security_schemes: dict[str, Any]
) -> dict[str, Any]:
    """The operation; the security schemes it uses are added to ``security_schemes``."""
    declaration = route.declaration
    assert declaration is not None  # every App route keeps it
    path = openapi_path(route.path)
    op_id = operation_id(declaration, path, method)
    described: dict[str, Any] = {}
    if declaration.tags:
        described["tags"] = list(dict.fromkeys(declaration.tags))
    described["summary"] = declaration.summary or default_summary(endpoint_name(declaration))
    description = description_of(declaration.description)
    if description:
        described["description"] = description
    described["operationId"] = op_id
    if declaration.deprecated:
        described["deprecated"] = True
    inputs = gather(route.extractors)
    found = parameters(inputs, path_converters(route.path), schemas)
    if found:
        described["parameters"] = found
    body = request_body(inputs, op_id, schemas)
    if body is not None:
        described["requestBody"] = body
    described["responses"] = responses(route, op_id, inputs.any, body is not None, schemas)
    if inputs.scopes:
        described["security"] = [{name: scopes} for name, scopes in inputs.scopes.items()]
        security_schemes.update(inputs.schemes)
    if declaration.openapi_extra:
        merge_extra(described, declaration.openapi_extra)
    return described


def description_of(text: str | None) -> str | None:
    """The docstring cleaned up, up to a form feed (what follows is for the code's readers)."""
    if not text:
        return None
    return inspect.cleandoc(text).split("\f")[0].strip() or None
