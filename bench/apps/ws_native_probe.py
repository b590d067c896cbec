"""WebSocket echo apps for measuring per-message cost with callgrind (5-byte text echo).

- ``asgi_echo``: a raw ASGI echo app (the ASGI path's floor);
- ``framework``: a Squall framework route with ``async for text in websocket.iter_text()``
  (the native path on Squall's server);
- ``framework_receive``: the bench's framework echo (``bench/apps/ws_squall.py``): ASGI-shaped
  ``await websocket.receive()`` dicts, answered with ``send_text``/``send_bytes``;
- ``framework_text``, ``framework_bytes``, ``framework_json``: ``receive_text``/``send_text``,
  ``receive_bytes``/``send_bytes``, ``receive_json``/``send_json`` loops;
- ``framework_asgi``: the ``framework`` App behind a plain ASGI function, which hides its
  native entry points, so Squall's server runs the framework through ASGI messages.

How the README's numbers are taken: ``python -m bench.ws_codec_cost --app
bench.apps.ws_native_probe:APP --text`` (the server under callgrind, one socket echoing K
5-byte texts, K=2000 vs 12000, the difference over 10000 = per message; ``framework_bytes``
without ``--text``, ``framework_json`` with ``--json``).
"""

from __future__ import annotations

from typing import Any

from bench.apps.ws_asgi_raw import app as asgi_echo
from bench.apps.ws_squall import echo as receive_echo
from squall import App, WebSocket, WebSocketDisconnect

__all__ = [
    "asgi_echo",
    "framework",
    "framework_asgi",
    "framework_bytes",
    "framework_json",
    "framework_receive",
    "framework_text",
]

framework = App()


@framework.websocket("/")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


async def framework_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await framework(scope, receive, send)


framework_receive = App()
framework_receive.websocket("/")(receive_echo)

framework_text = App()


@framework_text.websocket("/")
async def text_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


framework_bytes = App()


@framework_bytes.websocket("/")
async def bytes_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_bytes(await websocket.receive_bytes())
    except WebSocketDisconnect:
        pass


framework_json = App()


@framework_json.websocket("/")
async def json_echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_json(await websocket.receive_json())
    except WebSocketDisconnect:
        pass
