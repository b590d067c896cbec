"""An operation's parameters (path, query, header, cookie) and its request body.

Each parameter is described with its name on the wire (the alias; a header's converted
name), whether it is required, its schema (the type with its checks, the default, a title)
and what its ``Query()``/``Header()``... declared for the document (description, examples,
deprecated, ``include_in_schema``, ``json_schema_extra``).  The body is JSON (one value, or
an object with one key per embedded body parameter), a urlencoded form, or a multipart form
when a file is among the fields.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any

import msgspec

from squall.form_params import is_upload
from squall.models import encode_extra
from squall.openapi.inputs import Inputs
from squall.openapi.naming import default_summary
from squall.openapi.schemas import BINARY, Schema, Schemas, default_title
from squall.params import Extractor
from squall.sources import Source

JSON_MEDIA = "application/json"
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


_PLACE_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3}


def parameters(inputs: Inputs, schemas: Schemas) -> list[dict[str, Any]]:
    """Path, then query, header and cookie parameters (FastAPI's order), each kind in the
    order the route's tree declares them."""
    shown = [ex for ex in inputs.parameters if _in_schema(ex.source)]
    shown.sort(key=lambda ex: _PLACE_ORDER[ex.place])
    return [_parameter(ex, schemas) for ex in shown]


def _in_schema(source: Source | None) -> bool:
    return source is None or source.include_in_schema


def _parameter(ex: Extractor, schemas: Schemas) -> dict[str, Any]:
    source = ex.source
    required = ex.place == "path" or ex.required
    described: dict[str, Any] = {"name": ex.key, "in": ex.place, "required": required}
    described["schema"] = field_schema(ex, schemas)
    if source is not None:
        if source.description:
            described["description"] = source.description
        if source.deprecated:
            described["deprecated"] = True
        if source.openapi_examples:
            described["examples"] = dict(source.openapi_examples)
    return described  # a list in the query: style form, explode (the defaults) as Squall reads it


def field_schema(ex: Extractor, schemas: Schemas, mode: str = "validation") -> Schema:
    """The schema of one value the client sends, with its documentation keys."""
    source = ex.source
    if _is_file(ex):
        schema = _file_schema(ex.annotation)
        schema["title"] = default_summary(ex.key)
    else:
        schema = schemas.schema(ex.annotation, mode)
        default_title(schema, default_summary(ex.key))  # the wire name, as FastAPI titles it
    if source is not None and source.title:
        schema["title"] = source.title
    if not ex.required:
        default = _json_value(ex.default)
        if default is not _UNENCODABLE:
            schema["default"] = default
    if source is not None:
        if source.description:
            schema["description"] = source.description
        if source.examples is not None:
            schema["examples"] = list(source.examples)
        if source.deprecated:
            schema["deprecated"] = True
        if source.json_schema_extra:
            schema.update(source.json_schema_extra)
    return schema


_UNENCODABLE: Any = object()


def _json_value(value: Any) -> Any:
    try:
        return msgspec.to_builtins(value, enc_hook=encode_extra)
    except (TypeError, ValueError):
        return _UNENCODABLE


def _is_file(ex: Extractor) -> bool:
    return is_upload(ex.annotation) or (ex.source is not None and ex.source.place == "file")


def _file_schema(annotation: Any) -> Schema:
    """An upload (or ``bytes`` read from one): binary; a list of them an array."""
    if typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return {"type": "array", "items": dict(BINARY)}
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        inner = _file_schema(next(arg for arg in args if arg is not type(None)))
        return {"anyOf": [inner, {"type": "null"}]} if type(None) in args else inner
    return dict(BINARY)


def request_body(inputs: Inputs, operation_id: str, schemas: Schemas) -> dict[str, Any] | None:
    """The requestBody object, or None when the operation reads no body."""
    if inputs.forms:
        return _form_body(inputs.forms, operation_id, schemas)
    bodies = [ex for ex in inputs.bodies if _in_schema(ex.source)]
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
    fields = [ex for ex in forms if _in_schema(ex.source)]
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
        if _is_file(ex) or declared == MULTIPART or _model_has_upload(ex):
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
