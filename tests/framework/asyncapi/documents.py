"""Helpers for the AsyncAPI tests: every document a test looks at is checked against the
official AsyncAPI 3.0.0 JSON schema (vendored beside this module, Apache-2.0, with its
licence and notice) with ``jsonschema`` (openapi-spec-validator's dependency, in the dev
extra; missing, the tests skip, except under CI=true where they must run)."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest

from squall import App

SCHEMA_FILE = Path(__file__).with_name("asyncapi-3.0.0.schema.json")
REFS = "#/components/schemas/"
HAS_JSONSCHEMA = importlib.util.find_spec("jsonschema") is not None
needs_jsonschema = pytest.mark.skipif(
    not HAS_JSONSCHEMA and os.environ.get("CI") != "true",
    reason="jsonschema is not installed (pip install -e '.[dev]')",
)


@functools.cache
def _validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def check_asyncapi(document: dict[str, Any]) -> dict[str, Any]:
    """``document``, once it validated against the AsyncAPI 3.0.0 schema (raises the most
    relevant error otherwise)."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        raise error
    return document


def asyncapi_of(app: App) -> dict[str, Any]:
    """The app's AsyncAPI document, validated."""
    return check_asyncapi(app.asyncapi())


def check_payload(value: Any, payload: dict[str, Any], document: dict[str, Any]) -> None:
    """Raise unless ``value`` is valid for a message ``payload`` schema of ``document``."""
    import jsonschema

    components = document.get("components", {}).get("schemas", {})
    text = json.dumps({"payload": payload, "defs": components}).replace(REFS, "#/$defs/")
    loaded = json.loads(text)
    jsonschema.validate(value, {**loaded["payload"], "$defs": loaded["defs"]})


def message(document: dict[str, Any], channel: str, key: str) -> dict[str, Any]:
    """One message of a channel."""
    return dict(document["channels"][channel]["messages"][key])
