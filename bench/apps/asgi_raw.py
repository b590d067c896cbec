"""The seed's raw ASGI app (what it ran under uvicorn)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from bench.apps.share import baseline, endpoint, upload_size, users_list


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    path = scope["path"]
    if path == "/user":
        res = endpoint(body)
    elif path == "/baseline":
        query = parse_qs(scope["query_string"].decode())
        res = baseline(int(query["a"][0]), int(query["b"][0]))
    elif path == "/users":
        res = users_list()
    else:  # /upload
        res = upload_size(len(body))
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
