"""The apps the fuzz target serves: each reads the whole request body, then answers.

Three ways a response is produced, so the fuzzer reaches each of the server's paths: an ASGI
app answering at once, an ASGI app streaming its answer in chunks (chunked framing on
HTTP/1.1, close-delimited on 1.0), and a Squall framework app on the native path
(``squall.native``), whose routes read the body through ``NativeRequest``.  None of them
ever fails on purpose: an error response the server writes is the server's doing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from squall import App, Request
from squall.responses import PlainTextResponse, StreamingResponse

Scope = dict[str, Any]


async def _read_body(receive: Any) -> bytes | None:
    """The whole body, or None if the client went away first."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return bytes(body)


async def whole(scope: Scope, receive: Any, send: Any) -> None:
    """Read the body, answer with its length in one piece."""
    body = await _read_body(receive)
    if body is None:
        return
    answer = b"%d" % len(body)
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(answer))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


async def streaming(scope: Scope, receive: Any, send: Any) -> None:
    """Read the body, answer in three parts of unknown total length."""
    body = await _read_body(receive)
    if body is None:
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for part in (b"read ", b"%d" % len(body), b" bytes"):
        await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def framework_app() -> App:
    """A framework app on the native path: any method, any path, plus a streaming route."""
    app = App()
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    @app.api_route("/stream", methods=methods)
    async def stream(request: Request) -> StreamingResponse:
        body = await request.body()

        async def parts() -> AsyncIterator[bytes]:
            yield b"read "
            yield b"%d" % len(body)

        return StreamingResponse(parts(), media_type="text/plain")

    async def echo(request: Request) -> PlainTextResponse:
        body = await request.body()
        return PlainTextResponse(f"{request.path}: {len(body)}")

    for path in ("/", "/{rest:path}"):
        app.add_api_route(path, echo, methods=methods)
    return app


APPS: tuple[Any, ...] = (whole, streaming, framework_app())
