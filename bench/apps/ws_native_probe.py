"""WebSocket echo apps for measuring per-message cost with callgrind (5-byte text echo).

- ``asgi_echo``: a raw ASGI echo app (the ASGI path's floor);
- ``framework``: a Squall framework route (the native path on Squall's server);
- ``framework_asgi``: the same App behind a plain ASGI function, which hides its native entry
  points, so Squall's server runs the framework through ASGI messages.

How the README's numbers are taken: ``python -m bench.ws_codec_cost --app
bench.apps.ws_native_probe:APP --text`` (the server under callgrind, one socket echoing K
5-byte texts, K=2000 vs 12000, the difference over 10000 = per message).
"""

from __future__ import annotations

from typing import Any

from bench.apps.ws_asgi_raw import app as asgi_echo
from squall import App, WebSocket

__all__ = ["asgi_echo", "framework", "framework_asgi"]

framework = App()


@framework.websocket("/")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


async def framework_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await framework(scope, receive, send)
