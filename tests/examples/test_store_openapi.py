"""The store's OpenAPI document: valid OpenAPI 3.1, complete (every route but the hidden one
and the WebSocket), and true to the app under property-based requests (schemathesis) on
Squall's server.  The comparison with its FastAPI twin's is in test_store_vs_fastapi.py."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from examples.store.app import app
from tests.examples.extras import needs
from tests.examples.openapi_diff import store_documents
from tests.server.serving import serve, serve_subprocess

STORE_OPERATIONS = {
    ("/", "get"),
    ("/health", "get"),
    ("/exports/products.csv", "get"),
    ("/products", "get"),
    ("/products", "post"),
    ("/products/legacy-search", "get"),
    ("/products/{product_id}", "get"),
    ("/products/{product_id}", "put"),
    ("/products/{product_id}", "patch"),
    ("/products/{product_id}", "delete"),
    ("/products/{product_id}/image", "post"),
    ("/products/{product_id}/reviews", "get"),
    ("/products/{product_id}/reviews", "post"),
    ("/orders", "get"),
    ("/orders", "post"),
    ("/orders/{order_id}", "get"),
    ("/orders/{order_id}/cancel", "post"),
    ("/token", "post"),
    ("/customers/me", "get"),
    ("/customers/preferences", "get"),
    ("/customers/newsletter", "post"),
    ("/admin/stats", "get"),
    ("/admin/orders", "delete"),
}


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_the_document_is_valid_openapi_3_1() -> None:
    validator = needs("openapi_spec_validator")
    document = app.openapi()
    assert document["openapi"].startswith("3.1")
    validator.validate(document)
    broken = copy.deepcopy(document)
    broken["paths"]["/products"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(Exception, match="body"):
        validator.validate(broken)


def test_the_document_has_every_operation_but_the_hidden_ones() -> None:
    assert operations(app.openapi()) == STORE_OPERATIONS


def test_the_squall_command_serves_the_store_and_its_document() -> None:
    with serve_subprocess("examples.store.app:app") as (_, port):
        served = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=10)
        assert served.headers["content-type"] == "application/json"
        assert served.json() == app.openapi()
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).text == "ok"


def test_the_fastapi_twin_documents_the_same_operations() -> None:
    needs("fastapi")
    fastapi_document, _ = store_documents()
    assert operations(fastapi_document) == STORE_OPERATIONS
    needs("openapi_spec_validator").validate(fastapi_document)


def test_schemathesis_finds_nothing_on_squalls_server() -> None:
    needs("schemathesis")
    from bench.schemathesis_store import run_all

    with serve(app) as running:
        outcomes = run_all(running.url, examples=3, report=lambda outcome: None)
    assert [(o.label, o.failure) for o in outcomes if o.failure] == []
    assert all(o.requests > 0 for o in outcomes)
    assert len(outcomes) == len(STORE_OPERATIONS)
