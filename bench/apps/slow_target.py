"""The app slow-client attacks aim at (bench/slow_clients.py), the same under every server.

``/big``: 1 MiB streamed in 64 KiB parts (slow read); ``POST``: the body is read, its size
answered (slow body); anything else: a small page (the probe, slowloris, idle clients).
"""

from __future__ import annotations

from typing import Any

PART = b"b" * 65536
BIG_PARTS = 16


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    if scope["path"] == "/big":
        for _ in range(BIG_PARTS):
            await send({"type": "http.response.body", "body": PART, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    else:
        await send({"type": "http.response.body", "body": b"%d" % size})
