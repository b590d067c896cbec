"""Echo apps for the Autobahn, browser and idle-socket tests: a raw ASGI one and a framework one.

Served by ``python -m squall tests.server.websocket.echo_apps:asgi_echo`` (or ``:framework_echo``)
in a process of its own, so the client side (kosoku, a browser, 10,000 sockets) gets the other CPU.
"""

from __future__ import annotations

from typing import Any

from squall import App, WebSocket


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Accept every socket and send each message back as it came (text as text, bytes as bytes)."""
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None:
            await send({"type": "websocket.send", "text": text})
        else:
            await send({"type": "websocket.send", "bytes": message.get("bytes") or b""})


framework_echo = App()


@framework_echo.websocket("/")
async def echo(websocket: WebSocket) -> None:
    """The same echo as a framework route (native on Squall's server once that path exists)."""
    await websocket.accept()
    while True:
        message = await websocket.receive()  # both kinds of message, as ASGI hands them over
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None:
            await websocket.send_text(text)
        else:
            await websocket.send_bytes(message.get("bytes") or b"")
