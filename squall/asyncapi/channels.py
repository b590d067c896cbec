"""One AsyncAPI channel per WebSocket route, with its ``receive`` and ``send`` operations.

- ``address``: the route's path as a template (``/rooms/{room}``), its path parameters the
  channel's ``parameters`` (AsyncAPI 3.0 gives them no schema: their ``description``, and
  ``enum`` / ``default`` / ``examples`` as strings where the type has them);
- the handshake's query parameters and headers, read anywhere in the route's dependency
  tree, as the ``ws`` binding's ``query`` and ``headers`` object schemas (typed, with their
  checks, descriptions and defaults, as in the OpenAPI document);
- ``messages``: what ``receives=`` and ``sends=`` declare (squall/asyncapi/messages.py); a
  ``receive`` operation for the first, a ``send`` operation for the second;
- ``title`` / ``summary`` / ``description`` / ``tags`` as an HTTP operation's (the docstring
  up to a form feed); the security schemes of the tree on each operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from squall.asyncapi.dialect import asyncapi_schema
from squall.asyncapi.messages import Message, assign_keys, plan_messages
from squall.asyncapi.security import operation_security
from squall.openapi.inputs import Inputs, gather
from squall.openapi.naming import REF_PREFIX, default_summary
from squall.openapi.operations import description_of, endpoint_name, openapi_path
from squall.openapi.parameters import field_schema, in_schema
from squall.openapi.schemas import Schema, Schemas
from squall.params import Extractor
from squall.router import Declaration
from squall.routing import parse_template
from squall.websocket_route import WebSocketRoute

WS_BINDING_VERSION = "0.1.0"


@dataclass
class Channel:
    """A channel planned before the schemas are generated, finished after."""

    id: str
    declaration: Declaration
    inputs: Inputs
    path_schemas: dict[str, Schema]  # path parameter -> its schema (filled by finish())
    bindings: dict[str, Any]
    messages: list[Message] = field(default_factory=list)


def plan_channel(route: WebSocketRoute, channel_id: str, schemas: Schemas) -> Channel:
    declaration = route.declaration
    assert declaration is not None  # every App route keeps it
    inputs = gather(route.extractors)
    shown = [ex for ex in inputs.parameters if in_schema(ex.source)]
    path_schemas = {ex.key: field_schema(ex, schemas) for ex in shown if ex.place == "path"}
    binding: dict[str, Any] = {"method": "GET"}
    for place, key in (("query", "query"), ("header", "headers")):
        found = [ex for ex in shown if ex.place == place]
        if found:
            binding[key] = _object_schema(found, schemas)
    binding["bindingVersion"] = WS_BINDING_VERSION
    messages = plan_messages(declaration.receives, "receive", schemas)
    messages += plan_messages(declaration.sends, "send", schemas)
    return Channel(channel_id, declaration, inputs, path_schemas, {"ws": binding}, messages)


def _object_schema(extractors: list[Extractor], schemas: Schemas) -> Schema:
    """The ``ws`` binding's ``query`` or ``headers``: an object, a property per value."""
    schema: Schema = {
        "type": "object",
        "properties": {ex.key: field_schema(ex, schemas) for ex in extractors},
    }
    required = [ex.key for ex in extractors if ex.required]
    if required:
        schema["required"] = required
    return schema


def finish_channel(
    channel: Channel, components: dict[str, Schema], tags: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The Channel Object and its operations by id, once the schemas are generated;
    ``components``: the generated schemas (to read a path parameter's enum through a $ref),
    ``tags``: the app's tag objects by name (``openapi_tags``)."""
    declaration = channel.declaration
    described: dict[str, Any] = {"address": openapi_path(declaration.path)}
    keys = assign_keys(channel.messages)
    if channel.messages:
        described["messages"] = {
            key: message.described(key)
            for key, message in dict(zip(keys, channel.messages, strict=True)).items()
        }
    parameters = _parameters(channel, components)
    if parameters:
        described["parameters"] = parameters
    described["title"] = declaration.summary or default_summary(endpoint_name(declaration))
    description = description_of(declaration.description or declaration.endpoint.__doc__)
    if description:
        described["description"] = description
    tag_objects = [tags.get(name, {"name": name}) for name in dict.fromkeys(declaration.tags)]
    if tag_objects:
        described["tags"] = tag_objects
    described["bindings"] = asyncapi_schema(channel.bindings)
    return described, _operations(channel, keys, tag_objects)


def _parameters(channel: Channel, components: dict[str, Schema]) -> dict[str, Any]:
    """One Parameter Object per name in the address, described from its schema."""
    names = [
        seg.name for seg in parse_template(channel.declaration.path) if not isinstance(seg, str)
    ]
    return {name: _parameter(channel.path_schemas.get(name), components) for name in names}


def _parameter(schema: Schema | None, components: dict[str, Schema]) -> dict[str, Any]:
    if schema is None:  # in the address, not read by the handler
        return {}
    resolved = dict(schema)
    ref = resolved.pop("$ref", None)
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):  # an Enum class: a component
        resolved = {**components.get(ref[len(REF_PREFIX) :], {}), **resolved}
    parameter: dict[str, Any] = {}
    if "description" in resolved:
        parameter["description"] = resolved["description"]
    if isinstance(resolved.get("enum"), list):
        parameter["enum"] = [_text(value) for value in resolved["enum"]]
    if "default" in resolved:
        parameter["default"] = _text(resolved["default"])
    if isinstance(resolved.get("examples"), list):
        parameter["examples"] = [_text(value) for value in resolved["examples"]]
    return parameter


def _text(value: Any) -> str:
    """A value as it appears in the address."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _operations(
    channel: Channel, keys: list[str], tags: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """``<channel>_receive`` for the client's messages, ``<channel>_send`` for the route's."""
    operations: dict[str, dict[str, Any]] = {}
    security = operation_security(channel.inputs)
    for direction in ("receive", "send"):
        refs = [
            {"$ref": f"#/channels/{channel.id}/messages/{key}"}
            for key, message in zip(keys, channel.messages, strict=True)
            if message.direction == direction
        ]
        if not refs:
            continue
        operation: dict[str, Any] = {
            "action": direction,
            "channel": {"$ref": f"#/channels/{channel.id}"},
            "messages": refs,
        }
        if tags:
            operation["tags"] = tags
        if security:
            operation["security"] = security
        operations[f"{channel.id}_{direction}"] = operation
    return operations
