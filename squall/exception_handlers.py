"""The default answers to HTTP errors and invalid input, for custom handlers to fall back on.

``return await http_exception_handler(request, exc)`` inside an ``@app.exception_handler``
gives the response Squall would have sent without the handler.
"""

from __future__ import annotations

from typing import Any

from squall.errors import http_error
from squall.exceptions import RequestValidationError
from squall.requests import Request
from squall.responses import JSONResponse, Response


async def http_exception_handler(request: Request, exc: Any) -> Response:
    """``{"detail": ...}`` with the error's status and headers."""
    error = http_error(exc)
    if error is None:
        raise TypeError(f"not an HTTP exception: {exc!r}")
    return JSONResponse({"detail": error.detail}, error.status_code, error.headers or None)


async def request_validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> Response:
    """The 422 ``{"detail": [errors]}``."""
    return JSONResponse({"detail": exc.errors()}, status_code=422)
