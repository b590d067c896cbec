"""An operation's request body: JSON (one value, or an object with one key per embedded
body parameter, FastAPI's ``Body_<operationId>`` component), a urlencoded form, or a
multipart form when a file is among the fields (or a field asks for it).
"""

from __future__ import annotations

import typing
from typing import Any

from squall.form_params import is_upload
from squall.openapi.inputs import Inputs
from squall.openapi.parameters import field_schema, in_schema, is_file
from squall.openapi.schemas import Schema, Schemas
from squall.params import Extractor

JSON_MEDIA = "application/json"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def request_body(inputs: Inputs, operation_id: str, schemas: Schemas) -> dict[str, Any] | None:
    """The requestBody object, or None when the operation reads no body."""
    if inputs.forms:
        return _form_body(inputs.forms, operation_id, schemas)
    bodies = [ex for ex in inputs.bodies if in_schema(ex.source)]
    if not bodies:
        return None
    first = bodies[0]
    media = (first.source.media_type if first.source is not None else None) or JSON_MEDIA
    if first.place == "body":  # the body is this one value
        schema = field_schema(first, schemas)
        required = first.required
    else:  # keys of one JSON object
        schema = _named_object(f"Body_{operation_id}", bodies, schemas)
        required = any(ex.required for ex in bodies)
    content: dict[str, Any] = {"schema": schema}
    if first.source is not None and first.source.openapi_examples:  # FastAPI's place for them
        content["examples"] = dict(first.source.openapi_examples)
    return {"content": {media: content}, "required": required}


def _form_body(forms: list[Extractor], operation_id: str, schemas: Schemas) -> dict[str, Any]:
    fields = [ex for ex in forms if in_schema(ex.source)]
    media = _form_media(fields)
    if len(fields) == 1 and fields[0].place == "form-model":
        schema = schemas.schema(fields[0].annotation)
    else:
        schema = _named_object(f"Body_{operation_id}", fields, schemas)
    required = any(ex.required for ex in fields)
    return {"content": {media: {"schema": schema}}, "required": required}


def _form_media(fields: list[Extractor]) -> str:
    """multipart/form-data when a file is among the fields (or one asks for it), else
    urlencoded."""
    for ex in fields:
        declared = ex.source.media_type if ex.source is not None else None
        if is_file(ex) or declared == MULTIPART or _model_has_upload(ex):
            return MULTIPART
    return URLENCODED


def _model_has_upload(ex: Extractor) -> bool:
    if ex.place != "form-model":
        return False
    hints = typing.get_type_hints(ex.annotation)
    return any(is_upload(hint) for hint in hints.values())


def _named_object(name: str, fields: list[Extractor], schemas: Schemas) -> Schema:
    """A component ``name`` (FastAPI's ``Body_<operation id>``): an object with one
    property per field (its key); the ``$ref`` to it."""
    properties = {ex.key: field_schema(ex, schemas) for ex in fields}
    schema: Schema = {"properties": properties, "type": "object", "title": name}
    required = [ex.key for ex in fields if ex.required]
    if required:
        schema["required"] = required
    return schemas.named(name, schema)
