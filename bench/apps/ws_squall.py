"""The WebSocket echo as a Squall framework route (the native path on Squall's server)."""

from __future__ import annotations

from squall import App, WebSocket

app = App()


@app.websocket("/ws")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None:
            await websocket.send_text(text)
        else:
            await websocket.send_bytes(message["bytes"])
