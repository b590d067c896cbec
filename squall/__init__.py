"""Squall: a fast ASGI server and a typed web framework."""

from squall.app import App
from squall.exceptions import HTTPException
from squall.params import Body, Cookie, Header, Query
from squall.requests import Request
from squall.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

__all__ = [
    "App",
    "Body",
    "Cookie",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "JSONResponse",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "Response",
]
