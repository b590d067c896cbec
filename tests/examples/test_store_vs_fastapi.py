"""The store's OpenAPI document against its FastAPI twin's: every difference is one of the
explained ones (tests/examples/openapi_differences.py, docs/openapi-vs-fastapi.md)."""

from __future__ import annotations

import copy

from tests.examples.extras import needs
from tests.examples.openapi_diff import differences, store_documents
from tests.examples.openapi_differences import EXPLAINED, explainer


def test_every_difference_from_fastapi_is_explained() -> None:
    needs("fastapi")
    fastapi_document, document = store_documents()
    found = differences(fastapi_document, document)
    explain = explainer(document)
    unexplained = [str(d) for d in found if explain(d) is None]
    assert unexplained == []
    used = {reason.name for d in found if (reason := explain(d)) is not None}
    assert [reason.name for reason in EXPLAINED if reason.name not in used] == []


def test_the_diff_notices_a_parameter_gone() -> None:
    needs("fastapi")
    fastapi_document, document = store_documents()
    changed = copy.deepcopy(document)
    parameters = changed["paths"]["/products"]["get"]["parameters"]
    changed["paths"]["/products"]["get"]["parameters"] = [
        p for p in parameters if p["name"] != "limit"
    ]
    explain = explainer(changed)
    unexplained = {d.where for d in differences(fastapi_document, changed) if explain(d) is None}
    assert "paths./products.get.parameters.query limit.required" in unexplained


def test_the_diff_notices_an_enum_value_gone() -> None:
    needs("fastapi")
    fastapi_document, document = store_documents()
    changed = copy.deepcopy(document)
    changed["components"]["schemas"]["Category"]["enum"].remove("tools")
    explain = explainer(changed)
    unexplained = {d.where for d in differences(fastapi_document, changed) if explain(d) is None}
    assert (
        "paths./products.post.requestBody.content.application/json.schema.properties.category.enum"
        in unexplained
    )
