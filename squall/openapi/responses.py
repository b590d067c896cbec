"""An operation's responses: the declared one, the route's ``responses=``, and the 422.

The declared response is the route's ``status_code`` with its ``response_description``,
described by the route's ``response_class``: JSON with the schema of the declared type
(``response_model``, else the return annotation), a text type (HTML, plain text, event
streams) as a string, no content for statuses that have none (1xx, 204, 304).  Each entry
of ``responses={404: {"model": Error, "description": ...}}`` adds (or merges into) one
status.  An operation reading anything a client sends can answer 422 with the body Squall
really sends: ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``; one reading a body,
400 ``{"detail": "Malformed JSON body: ..."}`` (or a malformed form's).
"""

from __future__ import annotations

import copy
import http
from collections.abc import Mapping
from typing import Any

from squall.openapi.naming import default_summary
from squall.openapi.schemas import Schema, Schemas, default_title
from squall.responses import JSONResponse, Response
from squall.route import Route

JSON_MEDIA = "application/json"

VALIDATION_ERROR: Schema = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {
            "title": "Location",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
    },
    "required": ["loc", "msg", "type"],
}
MALFORMED_BODY: Schema = {
    "title": "MalformedBody",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "string"}},
    "required": ["detail"],
}


def http_validation_error(schemas: Schemas) -> Schema:
    return {
        "title": "HTTPValidationError",
        "type": "object",
        "properties": {
            "detail": {"title": "Detail", "type": "array", "items": schemas.ref("ValidationError")}
        },
    }


def responses(
    route: Route, operation_id: str, takes_input: bool, reads_body: bool, schemas: Schemas
) -> dict[str, Any]:
    declaration = route.declaration
    assert declaration is not None  # every App route keeps it
    status = str(route.status_code)
    main = _declared_response(route, declaration.response_description, schemas)
    described: dict[str, Any] = {status: main}
    if route.returns is not None and "content" in main and JSON_MEDIA in main["content"]:
        # Titled as FastAPI does ("Response <Operation Id>"), unless a bare $ref.
        schema = main["content"][JSON_MEDIA]["schema"]
        default_title(schema, "Response " + default_summary(operation_id))
    for key, extra in declaration.responses.items():
        _merge(described.setdefault(str(key), {}), _additional(key, extra, schemas))
    for key, entry in described.items():
        entry.setdefault("description", _phrase(key))
    if reads_body and "400" not in described:
        described["400"] = malformed_body_response(schemas)
    if takes_input and "422" not in described:
        described["422"] = validation_error_response(schemas)
    return described


def malformed_body_response(schemas: Schemas) -> dict[str, Any]:
    """What Squall answers a body that is not JSON, or not a well-formed form (FastAPI
    answers malformed JSON with a 422)."""
    if not schemas.has("MalformedBody"):
        schemas.named("MalformedBody", copy.deepcopy(MALFORMED_BODY))
    ref = schemas.ref("MalformedBody")
    return {"description": "Malformed Body", "content": {JSON_MEDIA: {"schema": ref}}}


def validation_error_response(schemas: Schemas) -> dict[str, Any]:
    if not schemas.has("HTTPValidationError"):
        schemas.named("ValidationError", copy.deepcopy(VALIDATION_ERROR))
        schemas.named("HTTPValidationError", http_validation_error(schemas))
    ref = schemas.ref("HTTPValidationError")
    return {"description": "Validation Error", "content": {JSON_MEDIA: {"schema": ref}}}


def _declared_response(route: Route, description: str, schemas: Schemas) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": description}
    if not has_body(route.status_code):
        return entry
    cls = route.response_class
    if cls is None or (isinstance(cls, type) and issubclass(cls, JSONResponse)):
        schema = {} if route.returns is None else schemas.schema(route.returns, "serialization")
        entry["content"] = {JSON_MEDIA: {"schema": schema}}
        return entry
    media = _media_type(cls)
    if media is not None:
        text = media.startswith("text/")
        entry["content"] = {media: {"schema": {"type": "string"} if text else {}}}
    return entry


def has_body(status: int) -> bool:
    return not (status < 200 or status in (204, 304))


def _media_type(cls: type) -> str | None:
    """The response class's media type without its parameters (``; charset=...``)."""
    media = getattr(cls, "media_type", None) if issubclass(cls, Response) else None
    return None if not media else str(media).split(";")[0].strip()


def _additional(key: int | str, extra: Mapping[str, Any], schemas: Schemas) -> dict[str, Any]:
    """One ``responses=`` entry as a Response Object (``model`` becomes its JSON schema)."""
    entry = {name: copy.deepcopy(value) for name, value in extra.items() if name != "model"}
    model = extra.get("model")
    if model is not None and has_body(int(key) if str(key).isdigit() else 200):
        content = entry.setdefault("content", {})
        media = content.setdefault(JSON_MEDIA, {})
        media["schema"] = schemas.schema(model, "serialization")
    return entry


def _merge(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """``extra`` into ``target``, nested dicts merged key by key (a schema is replaced: a
    ``responses=`` model for the route's own status wins, as in FastAPI)."""
    for key, value in extra.items():
        if key != "schema" and isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def _phrase(key: str) -> str:
    """A status's reason phrase as the default description (``"Not Found"``)."""
    if key.isdigit():
        try:
            return http.HTTPStatus(int(key)).phrase
        except ValueError:
            pass
    return "Additional Response" if key != "default" else "Default Response"


def merge_extra(target: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """``openapi_extra`` into an operation (deep, as FastAPI does)."""
    _merge(target, copy.deepcopy(dict(extra)))
