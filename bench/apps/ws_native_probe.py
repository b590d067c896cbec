"""WebSocket echo apps for measuring per-message cost with callgrind (5-byte text echo).

- ``asgi_echo``: a raw ASGI echo app (the ASGI path's floor);
- ``framework``: a Squall framework route (the native path on Squall's server);
- ``framework_asgi``: the same App behind a plain ASGI function, which hides its native entry
  points, so Squall's server runs the framework through ASGI messages.

Standalone (imports only squall), so the same file runs against an older checkout.  How the
numbers in the README were taken: ``squall ws_native_probe:APP --app-dir bench/apps
--ws-ping-interval 0`` under ``PYTHONHASHSEED=0 valgrind --tool=callgrind``; one client (the
``websockets`` sync client, ``compression=None``) sends K texts of 5 bytes, one in flight,
then the server gets SIGTERM; (total(K=12000) - total(K=2000)) / 10000 = per message.
"""

from __future__ import annotations

from typing import Any

from squall import App, WebSocket


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message.get("text")})


framework = App()


@framework.websocket("/")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


async def framework_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await framework(scope, receive, send)
