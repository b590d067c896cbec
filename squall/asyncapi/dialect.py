"""Schemas as AsyncAPI reads them.

The schemas come from squall.openapi.schemas (msgspec's and pydantic's generators, written
for OpenAPI 3.1).  AsyncAPI's Schema Object is JSON Schema draft 07 plus a few keywords; the
one that differs is ``discriminator``: OpenAPI's is an object (``propertyName`` and a
``mapping``), AsyncAPI's the property's name alone.
"""

from __future__ import annotations

from typing import Any


def asyncapi_schema(schema: Any) -> Any:
    """``schema`` (or a structure of them) with each OpenAPI discriminator as AsyncAPI's."""
    if isinstance(schema, dict):
        out = {key: asyncapi_schema(value) for key, value in schema.items()}
        discriminator = out.get("discriminator")
        if isinstance(discriminator, dict) and "propertyName" in discriminator:
            out["discriminator"] = discriminator["propertyName"]
        return out
    if isinstance(schema, list):
        return [asyncapi_schema(item) for item in schema]
    return schema
