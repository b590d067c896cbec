"""WebSocket over HTTP/2 (RFC 8441): a client that ends its side of the stream (END_STREAM)
without a close frame, as a TCP peer sends FIN.  The app sees ``websocket.disconnect`` 1006 at
once and the server ends its side too, on both codecs; nothing waits for the keepalive ping's
timeout (set far off here) or the close handshake's."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import asyncio  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from tests.server.http2.ws_h2 import WsH2, codec  # noqa: E402
from tests.server.serving import captured_errors, serve, wait_until  # noqa: E402
from tests.server.websocket.raw import CLOSE, TEXT, close_code, frame  # noqa: E402

__all__ = ["codec"]  # the fixture: every test runs on our codec and on h2's
FAR: dict[str, Any] = {"ws_ping_interval": 60, "ws_ping_timeout": 60, "ws_close_timeout": 60}
PROMPTLY = 2.0  # seconds: far below every timer above


class Recorder:
    """An ASGI WebSocket app noting what it receives; it asks for the close on "close please".
    With a ``delay`` it does not accept: it waits that long, then notes its next message."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.seen: list[Any] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"still here"})
            return
        await receive()
        if self.delay:
            await asyncio.sleep(self.delay)
            self.seen.append((await receive())["type"])  # what the app learns meanwhile
            return
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] != "websocket.disconnect":
            self.seen.append(message["text"])
            if message["text"] == "close please":
                await send({"type": "websocket.close", "code": 4000})
        self.seen.append(message["code"])


def end_with(client: WsH2, ws: int, how: str) -> None:
    """End the client's side of ``ws``: DATA with END_STREAM (carrying a last message, or
    empty) or trailers."""
    if how == "data":
        client.h2.send_data(ws, frame(TEXT, b"last"), end_stream=True)
    elif how == "empty":
        client.h2.end_stream(ws)
    else:
        client.h2.send_headers(ws, [(b"x-bye", b"now")], end_stream=True)
    client.flush()


@pytest.mark.parametrize("how", ["data", "empty", "trailers"])
def test_an_ended_stream_is_a_prompt_1006_and_the_server_ends_its_side(
    codec: str, how: str
) -> None:
    app = Recorder()
    with serve(app, h2_codec=codec, lifespan="off", **FAR) as running:
        client = WsH2(running)
        ws = client.open_ws()
        assert client.accepted(ws) == 200
        client.send_frame(ws, TEXT, b"hello")
        wait_until(lambda: app.seen == ["hello"], "the first message")
        with captured_errors() as errors:
            end_with(client, ws, how)
            wait_until(lambda: 1006 in app.seen, "the app's disconnect", PROMPTLY)
            client.read(lambda: client.done(ws), limit=PROMPTLY)
        expected = ["hello", "last", 1006] if how == "data" else ["hello", 1006]
        assert app.seen == expected
        assert client.streams[ws].ended and client.streams[ws].reset is None  # END_STREAM
        assert not errors.records
        get = client.request("/plain")  # the connection goes on
        client.read(lambda: client.done(get))
        assert bytes(client.streams[get].data) == b"still here"
        client.close()


def test_an_ended_stream_cuts_the_close_handshake_short(codec: str) -> None:
    app = Recorder()
    with serve(app, h2_codec=codec, lifespan="off", **FAR) as running:
        client = WsH2(running)
        ws = client.open_ws()
        assert client.accepted(ws) == 200
        client.send_frame(ws, TEXT, b"close please")
        opcode, payload = client.next_frame(ws)
        assert (opcode, close_code(payload)) == (0x80 | CLOSE, 4000)
        client.h2.end_stream(ws)  # no close frame in answer
        client.flush()
        assert client.ended(ws) and client.streams[ws].reset is None
        wait_until(lambda: app.seen == ["close please", 1006], "the disconnect", PROMPTLY)
        client.close()


def test_a_stream_ended_before_the_answer_is_reset(codec: str) -> None:
    """Ended before the app accepted: no response head went out, so no clean end: CANCEL."""
    app = Recorder(delay=0.3)
    with serve(app, h2_codec=codec, lifespan="off", **FAR) as running:
        client = WsH2(running)
        ws = client.open_ws()
        client.h2.end_stream(ws)
        client.flush()
        client.read(lambda: client.done(ws), limit=PROMPTLY)
        assert client.streams[ws].reset == 8 and not client.streams[ws].headers  # CANCEL
        wait_until(lambda: app.seen == ["websocket.disconnect"], "the app's disconnect")
        client.close()
