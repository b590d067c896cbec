"""The store: a realistic API on the Squall framework, using every feature its OpenAPI
document describes.  Serve it with ``squall examples.store.app:app`` and open ``/docs``.

``examples/store_fastapi`` is the same API written for FastAPI; ``python -m
tests.examples.openapi_diff`` compares the two documents (see docs/openapi-vs-fastapi.md).
"""
