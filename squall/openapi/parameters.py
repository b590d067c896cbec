"""An operation's parameters (path, query, header, cookie), and the schema of any value a
client sends (``field_schema``: also a body's, a form field's).

Each parameter is described with its name on the wire (the alias; a header's converted
name), whether it is required, its schema (the type with its checks, the default, a title)
and what its ``Query()``/``Header()``... declared for the document (description, examples,
deprecated, ``include_in_schema``, ``json_schema_extra``).
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

_PLACE_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3}


# What a path converter lets through, for a path parameter declared without a type.
CONVERTER_SCHEMAS: dict[str, Schema] = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
    "str": {"type": "string"},
    "path": {"type": "string"},
}


def parameters(
    inputs: Inputs, converters: dict[str, str], schemas: Schemas
) -> list[dict[str, Any]]:
    """Path, then query, header and cookie parameters (FastAPI's order), each kind in the
    order the route's tree declares them; ``converters``: the path's, by parameter name."""
    shown = [ex for ex in inputs.parameters if in_schema(ex.source)]
    shown.sort(key=lambda ex: _PLACE_ORDER[ex.place])
    described = [_parameter(ex, schemas) for ex in shown]
    for ex, parameter in zip(shown, described, strict=True):
        converter = converters.get(ex.key)
        if ex.place == "path" and ex.annotation is Any and converter in CONVERTER_SCHEMAS:
            parameter["schema"].update(CONVERTER_SCHEMAS[converter])
    return described


def in_schema(source: Source | None) -> bool:
    """Not hidden with ``include_in_schema=False``."""
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
    if is_file(ex):
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


def is_file(ex: Extractor) -> bool:
    """An upload, or ``File()``: described as binary."""
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
