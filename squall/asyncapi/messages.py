"""A WebSocket route's messages, from the types its ``receives=`` and ``sends=`` declare.

One message per type, and one per member of a union (``receives=Join | Say``: two
messages, so a client generator gets one class each):

- ``str``: a text frame (``contentType: text/plain``), as ``receive_text`` reads it;
- ``bytes``: a binary frame (``application/octet-stream``), as ``receive_bytes`` reads it;
- any other type: JSON, the document's ``defaultContentType``, its payload the type's
  schema (a Struct, dataclass, TypedDict, pydantic model... as a component shared with the
  rest of the document), as ``receive_json(type=...)`` decodes it and ``send_json`` writes it.

A message is keyed by its payload's component name (``Join``), else by its kind (``text``,
``binary``) or the direction it goes (``receive``, ``send``).
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any

from squall.asyncapi.dialect import asyncapi_schema
from squall.openapi.naming import REF_PREFIX
from squall.openapi.schemas import BINARY, Schema, Schemas

TEXT = "text/plain"
BINARY_MEDIA = "application/octet-stream"


@dataclass
class Message:
    annotation: Any
    direction: str  # "receive" (the client sends it) or "send" (the route does)
    payload: Schema  # filled in by Schemas.finish() for JSON messages

    @property
    def content_type(self) -> str | None:
        """The frame's media type; None for JSON, the document's default."""
        if self.annotation is str:
            return TEXT
        if self.annotation is bytes:
            return BINARY_MEDIA
        return None

    def key(self) -> str:
        """Its key under the channel's messages (valid once the schemas are finished)."""
        ref = self.payload.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            return ref[len(REF_PREFIX) :]
        if self.annotation is str:
            return "text"
        if self.annotation is bytes:
            return "binary"
        return self.direction

    def described(self, key: str) -> dict[str, Any]:
        """The Message Object."""
        message: dict[str, Any] = {"name": key}
        if self.content_type is not None:
            message["contentType"] = self.content_type
        message["payload"] = asyncapi_schema(self.payload)
        return message


def plan_messages(declared: Any, direction: str, schemas: Schemas) -> list[Message]:
    """The messages of ``declared`` (a type, a union of them, or None for none)."""
    if declared is None:
        return []
    return [_message(member, direction, schemas) for member in union_members(declared)]


def union_members(declared: Any) -> tuple[Any, ...]:
    """``A | B`` -> ``(A, B)``; any other type alone."""
    if typing.get_origin(declared) in (typing.Union, types.UnionType):
        return typing.get_args(declared)
    return (declared,)


def _message(annotation: Any, direction: str, schemas: Schemas) -> Message:
    if annotation is str:
        return Message(annotation, direction, {"type": "string"})
    if annotation is bytes:
        return Message(annotation, direction, dict(BINARY))
    return Message(annotation, direction, schemas.schema(annotation, _mode(direction)))


def _mode(direction: str) -> str:
    """What the client sends is validated; what the route sends is serialized (pydantic's
    two schemas of a model, as for an HTTP request and response)."""
    return "validation" if direction == "receive" else "serialization"


def assign_keys(messages: list[Message]) -> list[str]:
    """Each message's key in the channel, in order: one type (sent both ways) has one key;
    two types under one key get ``_2``, ``_3``... (two inline JSON types sent one way)."""
    owners: dict[str, Any] = {}
    keys: list[str] = []
    for message in messages:
        key = base = message.key()
        suffix = 1
        while key in owners and owners[key] != message.annotation:
            suffix += 1
            key = f"{base}_{suffix}"
        owners.setdefault(key, message.annotation)
        keys.append(key)
    return keys
