"""``python -m bench.openapi_build`` shortened: 50 routes of every shape, one build; the
figures are printed and the document is valid OpenAPI 3.1."""

import pytest

from bench.openapi_build import main, measure
from tests.framework.openapi.documents import check_valid, needs_validator


def test_the_build_is_timed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--routes", "50", "--models", "10", "--repeat", "1"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("openapi: 50 routes, 50 operations, ")
    assert " ms CPU), encode " in line


@needs_validator
def test_the_benchmarked_document_is_valid_with_every_shape() -> None:
    found = measure(50, 10, 1)
    document = check_valid(found["document"])
    methods = {method for path in document["paths"].values() for method in path}
    assert methods == {"get", "post", "put"}
    schemas = document["components"]["schemas"]
    assert "bench.models_a.Model0" in schemas and "bench.models_b.Model0" in schemas
    assert document["components"]["securitySchemes"]["OAuth2PasswordBearer"]["type"] == "oauth2"
