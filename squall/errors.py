"""The framework maps exceptions to responses here, and only here.

Unknown paths (404), wrong methods (405), methods no route knows (501, RFC 9110 9.1: a
standard method is known, as is any method some route takes) and the trailing-slash
redirect (307) are answered here too: the 404, 405 and 501 go through the app's exception
handlers like any HTTPException, so ``@app.exception_handler(404)`` sees them.  Handlers
are looked up by status first (for HTTP errors), then along the exception's class
hierarchy, then, for an HTTP error, under either HTTPException class (Squall's or
Starlette's, which a FastAPI app registers).  A handler for ``Exception`` takes only
errors without an answer of their own (not HTTP errors, invalid input or malformed JSON),
as in FastAPI.  An exception in a WebSocket route closes the socket instead
(``websocket_failure``), with the code its kind means; an HTTP error before accept becomes
the handshake's HTTP response where the server can send one (as Starlette does).
"""

from __future__ import annotations

import inspect
import logging
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from squall.exceptions import (
    HTTPException,
    MessageValidationError,
    RequestValidationError,
    WebSocketException,
    WebSocketRequestValidationError,
)
from squall.models import MalformedBody, body_error
from squall.outcome import Outcome, json_outcome
from squall.requests import ClientDisconnect, Request
from squall.response_end import send_outcome
from squall.responses import RawHeaders, Response
from squall.websockets import WebSocket, WebSocketDisconnect, WebSocketState

if TYPE_CHECKING:
    from squall.app import App
    from squall.native import NativeRequest

logger = logging.getLogger("squall.app")
Handler = Callable[..., Any]
Handlers = Mapping[type[BaseException] | int, Handler]


class ErrorSettings(Protocol):
    """What of the App the mapping reads."""

    @property
    def exception_handlers(self) -> Handlers: ...

    @property
    def debug(self) -> bool: ...


def http_error(exc: BaseException) -> HTTPException | None:
    """``exc`` as an HTTP error when it is one: Squall's, or Starlette's (optional) alike."""
    if isinstance(exc, HTTPException):
        return exc
    starlette = sys.modules.get("starlette.exceptions")
    if starlette is not None and isinstance(exc, starlette.HTTPException):
        headers = getattr(exc, "headers", None) or {}
        return HTTPException(exc.status_code, exc.detail, headers)
    return None


_CATCH_ALL = (Exception, BaseException)


def handler_for(handlers: Handlers, exc: BaseException) -> Handler | None:
    if not handlers:
        return None
    http = http_error(exc)
    if http is not None and http.status_code in handlers:
        return handlers[http.status_code]
    answered = http is not None or isinstance(exc, RequestValidationError | MalformedBody)
    for cls in type(exc).__mro__:
        if answered and cls in _CATCH_ALL:
            break  # like FastAPI: a handler for Exception takes only what has no answer
        if cls in handlers:
            return handlers[cls]
    if http is None:
        return None
    if HTTPException in handlers:
        return handlers[HTTPException]
    starlette = sys.modules.get("starlette.exceptions")
    if starlette is not None and starlette.HTTPException in handlers:
        return handlers[starlette.HTTPException]
    return None


async def failure(app: ErrorSettings, exc: Exception, request: Request) -> Outcome:
    """The response for an exception raised while handling ``request``."""
    if isinstance(exc, RequestValidationError) and exc.body is None:
        exc.body = received_body(request)
    handler = handler_for(app.exception_handlers, exc)
    if handler is not None:
        try:
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
            return response.status_code, response.raw_headers, response.body
        except Exception as raised:
            return internal_error(app, raised, request)
    return default_outcome(app, exc, request)


def default_outcome(app: ErrorSettings, exc: Exception, request: Request) -> Outcome:
    """The answer to ``exc`` when no handler takes it."""
    if isinstance(exc, RequestValidationError):
        return json_outcome(422, {"detail": exc.errors()})
    if isinstance(exc, MalformedBody):
        return json_outcome(400, {"detail": f"Malformed JSON body: {exc}"})
    http = http_error(exc)
    if http is not None:
        return json_outcome(http.status_code, {"detail": http.detail}, header_list(http.headers))
    if isinstance(exc, ClientDisconnect):
        return client_gone(request)
    return internal_error(app, exc, request)


def client_gone(request: Request) -> Outcome:
    """The client left mid-request: nothing to log above debug, and no one to answer."""
    logger.debug("client disconnected during %s %s", request.method, request.path)
    return json_outcome(400, {"detail": "client disconnected"})


def internal_error(app: ErrorSettings, exc: Exception, request: Request) -> Outcome:
    logger.error("unhandled exception in %s %s", request.method, request.path, exc_info=exc)
    request.report_unhandled(exc)
    text = "".join(traceback.format_exception(exc)) if app.debug else "Internal Server Error"
    return 500, [(b"content-type", b"text/plain; charset=utf-8")], text.encode()


def header_list(headers: Mapping[str, str]) -> RawHeaders:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def body_failure(exc: Exception, raw: bytes) -> Exception:
    """What decoding ``raw`` raised, as the error to answer, carrying the body it refused."""
    if isinstance(exc, msgspec.DecodeError):
        exc = body_error(exc)
    if isinstance(exc, RequestValidationError) and exc.body is None:
        exc.body = json_or_bytes(raw)
    return exc


def received_body(request: Request) -> Any:
    """The body the request sent, if it was read: its JSON value, else the bytes."""
    raw = request._body
    return None if raw is None else json_or_bytes(raw)


def json_or_bytes(raw: bytes) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return raw


async def unrouted(
    app: ErrorSettings,
    allow: list[str] | None,
    redirect: str | None,
    request: Request,
    root_path: str,
    implemented: bool = True,
) -> Outcome:
    """404, 405 (with ``Allow``), 501 or the 307 to the other trailing-slash form."""
    if redirect is not None and implemented:
        location = (root_path + redirect).encode("utf-8")
        if request.query_string:
            location += b"?" + request.query_string
        return 307, [(b"location", location)], b""
    if not implemented:
        error = HTTPException(501, "Not Implemented")
    elif allow is not None:
        error = HTTPException(405, "Method Not Allowed", {"allow": ", ".join(allow)})
    else:
        error = HTTPException(404, "Not Found")
    if not app.exception_handlers:
        return default_outcome(app, error, request)
    return await failure(app, error, request)


async def websocket_failure(app: ErrorSettings, exc: Exception, websocket: WebSocket) -> None:
    """Answer an exception raised in a WebSocket route: the app's handler for it, called
    with ``(websocket, exc)``, else a close with the code its kind means (see
    ``websocket_close``); before ``accept()`` a close makes the server refuse with 403."""
    handler = handler_for(app.exception_handlers, exc)
    if handler is not None:
        try:
            result = handler(websocket, exc)
            if inspect.isawaitable(result):
                await result
            return
        except Exception as raised:
            exc = raised
    http = http_error(exc)
    unaccepted = websocket.application_state is WebSocketState.CONNECTING
    if http is not None and unaccepted and websocket.can_deny:
        payload = {"detail": http.detail}
        outcome = json_outcome(http.status_code, payload, header_list(http.headers))
        await websocket.send_denial_response(Response.from_parts(*outcome))
        return
    closing = websocket_close(exc)
    if closing is None:
        return
    code, reason = closing
    if code == 1011:
        logger.error("unhandled exception in WebSocket %s", websocket.path, exc_info=exc)
        websocket.report_unhandled(exc)
    await websocket.close_if_open(code, reason)


def websocket_close(exc: Exception) -> tuple[int, str] | None:
    """The close code and reason for ``exc``; None when the client has already gone."""
    if isinstance(exc, WebSocketDisconnect):
        return None
    if isinstance(exc, WebSocketException):
        return exc.code, exc.reason
    if isinstance(exc, MessageValidationError):
        return 1003, close_reason(exc.errors())
    if isinstance(exc, WebSocketRequestValidationError):
        return 1008, close_reason(exc.errors())
    http = http_error(exc)
    if http is not None:
        return 1008, str(http.detail)
    return 1011, ""


def close_reason(errors: list[dict[str, Any]]) -> str:
    """The first error as ``"query.token: Field required"``, cut to fit a close frame
    (a reason is at most 123 bytes of UTF-8)."""
    if not errors:
        return ""
    first = errors[0]
    where = ".".join(str(step) for step in first.get("loc", ()))
    text = f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))
    return text.encode()[:123].decode(errors="ignore")


async def hook_raised(
    app: App, native: NativeRequest, exc: Exception, request: Request | None = None
) -> None:
    """A middleware hook raised ``exc``: the App's exception handlers answer it and no other
    hook sees the answer, as the chain answers an exception out of a layer (outside every
    layer: a handler for its class or status, else a logged 500)."""
    if request is None:
        request = Request.from_native(native, app)
    await send_outcome(native, await failure(app, exc, request))
