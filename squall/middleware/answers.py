"""Answers a middleware gives instead of the app's (a refusal, a redirect, a CORS preflight).

Each is a small ``Response`` with a bytes body, built once by the shared core of a
middleware: the framework face returns it, the ASGI face sends it with :func:`send_answer`.
A WebSocket handshake is refused with it too: as an HTTP response where the server offers
the ``websocket.http.response`` extension (Squall's server, uvicorn), else with a close
before accept (the server answers 403).
"""

from __future__ import annotations

from typing import Any

from squall.responses import PlainTextResponse, RedirectResponse, Response

Scope = dict[str, Any]
Send = Any

DENIAL_EXTENSION = "websocket.http.response"


def invalid_host() -> Response:
    return PlainTextResponse("Invalid host header", status_code=400)


def redirect(url: str) -> Response:
    """A 307 to ``url``: the client repeats the request, method and body included."""
    return RedirectResponse(url, status_code=307)


async def send_answer(scope: Scope, send: Send, answer: Response) -> None:
    """Send ``answer`` as the response to an ``http`` or ``websocket`` scope."""
    body = answer.body
    assert isinstance(body, bytes), "an answer has a bytes body"
    headers = [*answer.raw_headers, (b"content-length", str(len(body)).encode())]
    prefix = "http"
    if scope["type"] == "websocket":
        if DENIAL_EXTENSION not in (scope.get("extensions") or {}):
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
            return
        prefix = "websocket.http"
    start = {"type": prefix + ".response.start", "status": answer.status_code}
    await send({**start, "headers": headers})
    await send({"type": prefix + ".response.body", "body": body})
