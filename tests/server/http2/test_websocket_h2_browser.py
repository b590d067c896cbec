"""A real browser over RFC 8441: headless Chromium loads a page from Squall over TLS (ALPN h2),
and the page's ``new WebSocket("wss://...")`` rides that HTTP/2 connection as an extended
CONNECT stream: the server's route sees ``http_version`` "2" and echoes over it.

Chromium opens a WebSocket over HTTP/2 only on an HTTP/2 connection it already has to the
origin, whose server announced SETTINGS_ENABLE_CONNECT_PROTOCOL; the page load makes that
connection.  The certificate is trustme's (tests/server/test_tls.py), taken with
``--ignore-certificate-errors``.
"""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

from squall import App, HTMLResponse, WebSocket  # noqa: E402
from tests.chromium import chromium  # noqa: E402
from tests.server.http2.conftest import certs  # noqa: E402
from tests.server.serving import serve, wait_until  # noqa: E402
from tests.server.test_tls import Certificates  # noqa: E402

__all__ = ["certs"]

PAGE = """<!doctype html>
<title>echo over h2</title>
<script>
window.result = new Promise((resolve) => {
  const socket = new WebSocket(`wss://${location.host}/ws`);
  const echoes = [];
  socket.onopen = () => socket.send("héllo over h2");
  socket.onmessage = (event) => {
    echoes.push(event.data);
    socket.close(4002, "done");
  };
  socket.onclose = (event) => resolve({echoes, code: event.code, clean: event.wasClean});
});
</script>
"""


def browser_app(seen: list[tuple[str, int]]) -> App:
    app = App()

    @app.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        message = await websocket.receive()
        seen.append((websocket.scope["http_version"], message.get("code", 0)))

    return app


def test_chromium_opens_its_websocket_on_the_pages_h2_connection(certs: Certificates) -> None:
    seen: list[tuple[str, int]] = []
    options = {"ssl_certfile": str(certs.cert), "ssl_keyfile": str(certs.key)}
    with serve(browser_app(seen), **options) as running:
        url = f"https://{running.host}:{running.port}/"
        with chromium(["--ignore-certificate-errors"]) as devtools:
            result = devtools.run_page(url)
            wait_until(lambda: seen, "the server's route to see the close")
    assert result == {"echoes": ["héllo over h2"], "code": 4002, "clean": True}
    assert seen == [("2", 4002)]  # RFC 8441: the WebSocket was an HTTP/2 stream
