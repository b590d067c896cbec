"""Raw ASGI WebSocket apps the tests serve."""

from __future__ import annotations

from typing import Any

Receive = Any
Send = Any


async def echo(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Accept (with the first offered subprotocol and the asked-for headers) and echo."""
    assert scope["type"] == "websocket"
    assert (await receive())["type"] == "websocket.connect"
    subprotocols = scope["subprotocols"]
    await send(
        {
            "type": "websocket.accept",
            "subprotocol": subprotocols[0] if subprotocols else None,
            "headers": [(b"x-echo", b"yes")],
        }
    )
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "close please":
            await send({"type": "websocket.close", "code": 4000, "reason": "asked"})
            continue
        if message.get("text") == "scope":
            info = {k: scope[k] for k in ("scheme", "path", "query_string", "http_version")}
            await send({"type": "websocket.send", "text": repr(info)})
            continue
        await send(
            {
                "type": "websocket.send",
                **{k: message[k] for k in ("text", "bytes") if message.get(k) is not None},
            }
        )
