"""The seed's raw ASGI app (what it ran under uvicorn)."""

from __future__ import annotations

from typing import Any

from bench.apps.share import endpoint


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    res = endpoint(body)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": (
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(res)),
            ),
        }
    )
    await send({"type": "http.response.body", "body": res})
