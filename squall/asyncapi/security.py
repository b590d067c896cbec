"""Security schemes in AsyncAPI's words, from the OpenAPI ones squall.security declares.

A WebSocket route's security dependencies check the handshake as they check an HTTP
request; the same objects (``scheme_name``, ``security_scheme``) describe them here:

- ``http`` (bearer, basic) and ``openIdConnect``: the same object;
- ``apiKey`` in a header, query or cookie: ``httpApiKey`` (AsyncAPI's ``apiKey`` is a key
  in the message, which the handshake's is not);
- ``oauth2``: each flow's ``scopes`` become ``availableScopes``.

Each scheme is a ``components.securitySchemes`` entry; an operation lists ``$ref``s to
them, or, for the scopes ``Security(..., scopes=)`` requires, a copy with ``scopes``.
"""

from __future__ import annotations

from typing import Any

from squall.openapi.inputs import Inputs

SCHEMES_PREFIX = "#/components/securitySchemes/"


def asyncapi_scheme(scheme: dict[str, Any]) -> dict[str, Any] | None:
    """The AsyncAPI Security Scheme Object for an OpenAPI one (None: no equivalent)."""
    kind = scheme.get("type")
    if kind in ("http", "openIdConnect"):
        return dict(scheme)
    if kind == "apiKey":
        return {**scheme, "type": "httpApiKey"}
    if kind == "oauth2":
        flows = {
            name: {
                ("availableScopes" if key == "scopes" else key): value
                for key, value in flow.items()
            }
            for name, flow in scheme.get("flows", {}).items()
        }
        return {**scheme, "flows": flows}
    return None


def security_schemes(inputs: Inputs) -> dict[str, dict[str, Any]]:
    """The schemes of a route's tree that AsyncAPI can describe, by name."""
    found = {name: asyncapi_scheme(scheme) for name, scheme in inputs.schemes.items()}
    return {name: scheme for name, scheme in found.items() if scheme is not None}


def operation_security(inputs: Inputs) -> list[dict[str, Any]]:
    """An operation's ``security``: a reference per scheme, or a copy with its scopes."""
    security: list[dict[str, Any]] = []
    for name, scheme in security_schemes(inputs).items():
        scopes = inputs.scopes.get(name, [])
        if scopes and scheme["type"] in ("oauth2", "openIdConnect"):
            security.append({**scheme, "scopes": list(scopes)})
        else:
            security.append({"$ref": SCHEMES_PREFIX + name})
    return security
