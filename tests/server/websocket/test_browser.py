"""A real browser: headless Chromium loads a page from Squall whose script opens a WebSocket,
sends a text and a binary message, gets both echoes and closes with a code and a reason.

Chromium is driven over the DevTools protocol (``tests/chromium.py``): navigate, wait for the
load event, then await the page's result promise.  The server's side records the close code
and reason its route saw.
"""

from __future__ import annotations

from squall import App, HTMLResponse, WebSocket
from tests.chromium import chromium
from tests.server.serving import serve, wait_until

PAGE = """<!doctype html>
<title>echo</title>
<script>
window.result = new Promise((resolve) => {
  const socket = new WebSocket(`ws://${location.host}/ws`);
  socket.binaryType = "arraybuffer";
  const echoes = [];
  socket.onopen = () => {
    socket.send("héllo ☃");
    socket.send(new Uint8Array([0, 1, 2, 254, 255]));
  };
  socket.onmessage = (event) => {
    echoes.push(typeof event.data === "string"
      ? "text " + event.data
      : "bytes " + Array.from(new Uint8Array(event.data)).join(","));
    if (echoes.length === 2) socket.close(4001, "bye from the page");
  };
  socket.onclose = (event) => resolve({
    echoes, code: event.code, reason: event.reason, clean: event.wasClean,
    extensions: socket.extensions,
  });
});
</script>
"""


def browser_app(closes: list[tuple[int, str]]) -> App:
    app = App()

    @app.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                closes.append((message["code"], message.get("reason") or ""))
                return
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message["bytes"])

    return app


def test_chromium_page_echoes_text_and_binary_and_closes_with_code_and_reason() -> None:
    closes: list[tuple[int, str]] = []
    with serve(browser_app(closes)) as running, chromium() as devtools:
        result = devtools.run_page(running.url + "/")
        wait_until(lambda: closes, "the server's route to see the close")
    assert result["echoes"] == ["text héllo ☃", "bytes 0,1,2,254,255"]
    assert (result["code"], result["reason"], result["clean"]) == (4001, "bye from the page", True)
    assert result["extensions"].startswith("permessage-deflate")
    assert closes == [(4001, "bye from the page")]
