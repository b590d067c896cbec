"""A real browser: headless Chromium loads a page from Squall whose script opens a WebSocket,
sends a text and a binary message, gets both echoes and closes with a code and a reason.

Chromium is driven over the DevTools protocol (CDP) with the ``websockets`` client: navigate,
wait for the load event, then ``Runtime.evaluate`` awaits the page's result promise.  The
server's side records the close code and reason its route saw.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from squall import App, HTMLResponse, WebSocket
from tests.server.serving import serve, wait_until

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("CI") != "true":
    pytest.skip("chromium is not installed (CI installs it: .ci/run)", allow_module_level=True)

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


class DevTools:
    """One page target of a running Chromium, spoken to over CDP (commands and events)."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.ids = itertools.count(1)

    def command(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result (events that come first are dropped)."""
        number = next(self.ids)
        self.connection.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            reply = json.loads(self.connection.recv(timeout=20))
            if reply.get("id") == number:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply["result"])

    def wait_for_event(self, method: str) -> None:
        while json.loads(self.connection.recv(timeout=20)).get("method") != method:
            pass


@contextlib.contextmanager
def chromium() -> Iterator[DevTools]:
    """Headless Chromium with its DevTools on a free port, connected to its blank page."""
    assert CHROMIUM is not None, "CI=true: chromium must be installed (.ci/run's apt list)"
    # Chromium's helper processes may still write to the profile as it goes: not an error.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            active_port = Path(profile, "DevToolsActivePort")
            wait_until(lambda: len(_lines(active_port)) >= 2, "chromium's DevTools port", 20)
            port = _lines(active_port)[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            page = next(target for target in targets if target["type"] == "page")
            with connect(page["webSocketDebuggerUrl"], max_size=None) as connection:
                yield DevTools(connection)
        finally:
            process.kill()
            process.wait(10)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except FileNotFoundError:
        return []


def test_chromium_page_echoes_text_and_binary_and_closes_with_code_and_reason() -> None:
    closes: list[tuple[int, str]] = []
    with serve(browser_app(closes)) as running, chromium() as devtools:
        devtools.command("Page.enable")
        devtools.command("Page.navigate", url=running.url + "/")
        devtools.wait_for_event("Page.loadEventFired")
        evaluated = devtools.command(
            "Runtime.evaluate", expression="window.result", awaitPromise=True, returnByValue=True
        )
        result = evaluated["result"]["value"]
        wait_until(lambda: closes, "the server's route to see the close")
    assert result["echoes"] == ["text héllo ☃", "bytes 0,1,2,254,255"]
    assert (result["code"], result["reason"], result["clean"]) == (4001, "bye from the page", True)
    assert result["extensions"].startswith("permessage-deflate")
    assert closes == [(4001, "bye from the page")]
