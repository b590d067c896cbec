"""The store API of examples/store written for FastAPI (pydantic models, fastapi.security), so
that the two OpenAPI documents can be compared: ``uvicorn examples.store_fastapi.app:app``.

It keeps the same in-memory data (examples/store/data.py) and access checks
(examples/store/auth.py); only the web layer is FastAPI's.
"""
