"""Squall: a fast ASGI server and a typed web framework."""

from squall import status
from squall.app import App
from squall.background import BackgroundTasks
from squall.datastructures import UploadFile
from squall.encoders import jsonable_encoder
from squall.exceptions import (
    HTTPException,
    RequestValidationError,
    WebSocketException,
    WebSocketRequestValidationError,
)
from squall.params import Body, Cookie, Depends, File, Form, Header, Path, Query
from squall.requests import Request
from squall.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from squall.router import Router
from squall.security import Security, SecurityScopes
from squall.websockets import WebSocket, WebSocketDisconnect, WebSocketState

__all__ = [
    "App",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "FileResponse",
    "Form",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "JSONResponse",
    "Path",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Router",
    "Security",
    "SecurityScopes",
    "StreamingResponse",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "WebSocketRequestValidationError",
    "WebSocketState",
    "jsonable_encoder",
    "status",
]


def __getattr__(name: str) -> object:
    if name == "FileResponse":  # imported on first use: most apps serve no files
        from squall.file_response import FileResponse

        return FileResponse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
