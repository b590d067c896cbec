"""Helpers for the OpenAPI tests: every document a test looks at is checked against the
OpenAPI 3.1 schema with openapi-spec-validator (the dev extra has it; missing, the tests
skip, except under CI=true where they must run)."""

from __future__ import annotations

import importlib.util
import json
import os
from typing import Any

import pytest

from squall import App

REFS = "#/components/schemas/"
HAS_VALIDATOR = importlib.util.find_spec("openapi_spec_validator") is not None
needs_validator = pytest.mark.skipif(
    not HAS_VALIDATOR and os.environ.get("CI") != "true",
    reason="openapi-spec-validator is not installed (pip install -e '.[dev]')",
)


def check_valid(document: dict[str, Any]) -> dict[str, Any]:
    """``document``, once openapi-spec-validator found it a valid OpenAPI 3.1 document."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    OpenAPIV31SpecValidator(document).validate()  # raises on the first error
    return document


def check_instance(value: Any, component: str, document: dict[str, Any]) -> None:
    """Raise unless ``value`` is valid for the document's schema component ``component``."""
    import jsonschema  # type: ignore[import-untyped]  # (openapi-spec-validator's dependency)

    schemas = json.loads(json.dumps(document["components"]["schemas"]).replace(REFS, "#/$defs/"))
    jsonschema.validate(value, {**schemas[component], "$defs": schemas})


def document_of(app: App) -> dict[str, Any]:
    """The app's document, validated."""
    return check_valid(app.openapi())


def operation_of(app: App, path: str, method: str = "get") -> dict[str, Any]:
    """One operation of the app's (validated) document."""
    return document_of(app)["paths"][path][method]


def schemas_of(app: App) -> dict[str, Any]:
    return document_of(app)["components"]["schemas"]


def parameter(op: dict[str, Any], name: str) -> dict[str, Any]:
    found = [p for p in op.get("parameters", []) if p["name"] == name]
    assert len(found) == 1, f"{name!r} appears {len(found)} times in {op.get('parameters')}"
    return found[0]
