"""WebSocket over HTTP/2 (RFC 8441) on both codecs: the h2 library as a raw client opening
extended CONNECT streams, WebSocket frames made by hand in its DATA frames."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import contextlib  # noqa: E402
import zlib  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from squall import App, WebSocket  # noqa: E402
from tests.server.http2.ws_h2 import (  # noqa: E402
    ENABLE_CONNECT_PROTOCOL,
    WsH2,
    close_payload,
    codec,
)
from tests.server.serving import serve, wait_until  # noqa: E402
from tests.server.websocket.apps import echo  # noqa: E402
from tests.server.websocket.raw import BINARY, CLOSE, CONT, PING, PONG, TEXT, close_code  # noqa: E402

__all__ = ["codec"]  # the fixture: every test runs on our codec and on h2's
RSV1 = 0x40


def test_echo_text_binary_fragments_ping_and_close(codec: str) -> None:
    with serve(echo, h2_codec=codec) as running:
        client = WsH2(running)
        assert client.remote_settings[ENABLE_CONNECT_PROTOCOL] == 1
        ws = client.open_ws("/ws?room=1", extra=[(b"sec-websocket-protocol", b"chat, other")])
        assert client.accepted(ws) == 200
        head = dict(client.streams[ws].headers)
        assert head[b"sec-websocket-protocol"] == b"chat"
        assert head[b"x-echo"] == b"yes"
        assert b"sec-websocket-accept" not in head
        client.send_frame(ws, TEXT, b"scope")
        assert client.next_frame(ws) == (
            0x80 | TEXT,
            repr(
                {"scheme": "ws", "path": "/ws", "query_string": b"room=1", "http_version": "2"}
            ).encode(),
        )
        client.send_frame(ws, TEXT, "héllo".encode())
        assert client.next_frame(ws) == (0x80 | TEXT, "héllo".encode())
        client.send_frame(ws, BINARY, bytes(range(256)) * 300)  # past a DATA frame of 16 KiB
        assert client.next_frame(ws) == (0x80 | BINARY, bytes(range(256)) * 300)
        client.send_frame(ws, TEXT, b"frag", fin=False)
        client.send_frame(ws, PING, b"in between")
        client.send_frame(ws, CONT, b"mented")
        assert client.next_frame(ws) == (0x80 | PONG, b"in between")
        assert client.next_frame(ws) == (0x80 | TEXT, b"fragmented")
        client.send_frame(ws, CLOSE, close_payload(1000, "bye"))
        opcode, payload = client.next_frame(ws)
        assert (opcode, close_code(payload)) == (0x80 | CLOSE, 1000)
        assert client.ended(ws)  # END_STREAM after the close
        client.close()


def test_server_close_codes_and_errors(codec: str) -> None:
    with serve(echo, h2_codec=codec, ws_max_size=1000) as running:
        client = WsH2(running)
        asked, big, bad = (client.open_ws() for _ in range(3))
        assert [client.accepted(ws) for ws in (asked, big, bad)] == [200, 200, 200]
        client.send_frame(asked, TEXT, b"close please")
        client.send_frame(big, BINARY, b"x" * 1001)
        client.send_frame(bad, TEXT, b"\xff\xfe")
        expected = {asked: 4000, big: 1009, bad: 1007}
        for ws, code in expected.items():
            opcode, payload = client.next_frame(ws)
            assert (opcode, close_code(payload)) == (0x80 | CLOSE, code)
        client.send_frame(asked, CLOSE, close_payload(4000))
        assert client.ended(asked)
        client.close()


def test_reset_stream_is_a_disconnect_and_other_streams_go_on(codec: str) -> None:
    codes: list[int] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": scope["path"].encode()})
            return
        await receive()
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] != "websocket.disconnect":
            await send({"type": "websocket.send", "text": message["text"] + "!"})
        codes.append(message["code"])

    with serve(app, h2_codec=codec, lifespan="off") as running:
        client = WsH2(running)
        first, second = client.open_ws(), client.open_ws()
        get = client.request("/plain")
        assert client.accepted(first) == client.accepted(second) == 200
        client.send_frame(first, TEXT, b"one")
        client.send_frame(second, TEXT, b"two")
        assert client.next_frame(second) == (0x80 | TEXT, b"two!")
        assert client.next_frame(first) == (0x80 | TEXT, b"one!")
        client.read(lambda: client.done(get))
        assert bytes(client.streams[get].data) == b"/plain"
        client.h2.reset_stream(first)
        client.flush()
        wait_until(lambda: codes == [1006], "the app's disconnect")
        client.send_frame(second, TEXT, b"still")
        assert client.next_frame(second) == (0x80 | TEXT, b"still!")
        client.close()


def test_denials(codec: str) -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        if scope["path"] == "/teapot":  # the denial response extension
            headers = [(b"content-type", b"text/plain"), (b"Connection", b"close")]
            await send({"type": "websocket.http.response.start", "status": 418, "headers": headers})
            await send(
                {"type": "websocket.http.response.body", "body": b"short", "more_body": True}
            )
            await send({"type": "websocket.http.response.body", "body": b" and stout"})
            return
        await send({"type": "websocket.close"})

    with serve(app, h2_codec=codec, lifespan="off") as running:
        client = WsH2(running)
        denied, teapot = client.open_ws("/no"), client.open_ws("/teapot")
        chat = client.open_ws(protocol=b"chat")
        old = client.open_ws(version=b"8")
        assert client.accepted(denied) == 403 and client.ended(denied)
        assert client.accepted(teapot) == 418 and client.ended(teapot)
        assert bytes(client.streams[teapot].data) == b"short and stout"
        assert b"connection" not in dict(client.streams[teapot].headers)
        assert client.accepted(chat) == 501 and client.ended(chat)
        assert client.accepted(old) == 426 and client.ended(old)
        assert dict(client.streams[old].headers)[b"sec-websocket-version"] == b"13"
        client.close()


def test_malformed_extended_connects(codec: str) -> None:
    with serve(echo, h2_codec=codec) as running:
        client = WsH2(running)
        client.h2.config.validate_outbound_headers = False  # to send what RFC 8441 forbids
        on_get = client.request("/", extra=[(b":protocol", b"websocket")])
        no_protocol = client.request("/", method="CONNECT", end=False)  # :scheme and :path
        if codec == "squall":  # stream errors: PROTOCOL_ERROR (RFC 8441, 4; RFC 9113, 8.5)
            client.read(lambda: client.done(on_get) and client.done(no_protocol))
            assert client.streams[on_get].reset == client.streams[no_protocol].reset == 1
        else:  # h2 ends the connection on a malformed request
            client.read(lambda: client.goaway is not None or client.closed)
            assert client.goaway is not None and client.goaway.error_code == 1
        client.close()


def test_setting_absent_and_protocol_refused_with_ws_none(codec: str) -> None:
    with serve(echo, h2_codec=codec, ws="none") as running:
        client = WsH2(running)
        assert client.remote_settings.get(ENABLE_CONNECT_PROTOCOL, 0) == 0  # h2 sends its 0
        ws = client.open_ws()
        client.read(lambda: client.done(ws))
        assert client.streams[ws].reset == 1  # PROTOCOL_ERROR: not announced
        get = client.request("/", extra=[])
        client.read(lambda: client.done(get) or client.closed)
        client.close()


def test_slow_reader_pauses_the_apps_send(codec: str) -> None:
    sent: list[int] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        for index in range(4):
            await send({"type": "websocket.send", "bytes": b"z" * 50_000})
            sent.append(index)
        await receive()

    with serve(app, h2_codec=codec, lifespan="off") as running:
        client = WsH2(running, window=65_535, ack_data=False)
        ws = client.open_ws()
        assert client.accepted(ws) == 200
        client.read(lambda: len(client.streams[ws].data) >= 65_535 - 200)
        client.quiet_for(0.2)
        assert len(client.streams[ws].data) <= 65_535 and len(sent) < 4
        client.ack_data = True
        client.h2.acknowledge_received_data(len(client.streams[ws].data), ws)
        client.flush()
        for _ in range(4):
            assert client.next_frame(ws) == (0x80 | BINARY, b"z" * 50_000)
        assert sent == [0, 1, 2, 3]
        client.close()


def test_per_message_deflate(codec: str) -> None:
    with serve(echo, h2_codec=codec) as running:
        client = WsH2(running)
        offer = (b"sec-websocket-extensions", b"permessage-deflate; client_max_window_bits")
        ws = client.open_ws(extra=[offer])
        assert client.accepted(ws) == 200
        answer = dict(client.streams[ws].headers)[b"sec-websocket-extensions"]
        assert answer.startswith(b"permessage-deflate")
        text = b"compress me " * 100
        packer = zlib.compressobj(wbits=-15)
        deflated = packer.compress(text) + packer.flush(zlib.Z_SYNC_FLUSH)
        client.send_frame(ws, RSV1 | TEXT, deflated[:-4])
        opcode, payload = client.next_frame(ws)
        assert opcode == 0x80 | RSV1 | TEXT and len(payload) < len(text)
        assert zlib.decompressobj(wbits=-15).decompress(payload + b"\x00\x00\xff\xff") == text
        client.close()


def test_keepalive_ping_then_a_silent_peer_is_reset(codec: str) -> None:
    with serve(echo, h2_codec=codec, ws_ping_interval=0.05, ws_ping_timeout=0.1) as running:
        client = WsH2(running)
        ws = client.open_ws()
        assert client.accepted(ws) == 200
        opcode, data = client.next_frame(ws)
        assert opcode == 0x80 | PING
        client.send_frame(ws, PONG, data)  # answered: the next ping comes
        assert client.next_frame(ws)[0] == 0x80 | PING
        client.read(lambda: client.done(ws))  # not answered: the stream is reset
        assert client.streams[ws].reset == 8  # CANCEL
        client.close()


def test_graceful_shutdown_closes_with_goaway_and_1012(codec: str) -> None:
    with serve(echo, h2_codec=codec) as running:
        client = WsH2(running)
        ws = client.open_ws()
        assert client.accepted(ws) == 200
        running.server.should_exit = True
        opcode, payload = client.next_frame(ws)
        assert (opcode, close_code(payload)) == (0x80 | CLOSE, 1012)
        assert client.goaway is not None and client.goaway.last_stream_id == ws
        client.send_frame(ws, CLOSE, close_payload(1012))
        assert client.ended(ws)
        client.read(lambda: client.closed)


@pytest.mark.parametrize("kind", ["framework", "starlette"])
def test_framework_and_starlette_routes_unchanged(codec: str, kind: str) -> None:
    app = framework_app() if kind == "framework" else starlette_app()
    with serve(app, h2_codec=codec, lifespan="off") as running:
        client = WsH2(running)
        ws = client.open_ws("/chat/7")
        assert client.accepted(ws) == 200
        client.send_frame(ws, TEXT, b"hi")
        assert client.next_frame(ws) == (0x80 | TEXT, b"7: hi over 2")
        client.send_frame(ws, CLOSE, close_payload(1000))
        assert client.next_frame(ws)[0] == 0x80 | CLOSE
        client.close()


def framework_app() -> Any:
    app = App()
    app.websocket("/chat/{room}")(framework_chat)
    return app


async def framework_chat(websocket: WebSocket, room: int) -> None:
    await websocket.accept()
    text = await websocket.receive_text()
    version = websocket.scope["http_version"]
    await websocket.send_text(f"{room}: {text} over {version}")
    await websocket.receive_text()


def starlette_app() -> Any:
    starlette = pytest.importorskip("starlette.applications")
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocketDisconnect

    async def chat(websocket: Any) -> None:
        await websocket.accept()
        text = await websocket.receive_text()
        room, version = websocket.path_params["room"], websocket.scope["http_version"]
        await websocket.send_text(f"{room}: {text} over {version}")
        with contextlib.suppress(WebSocketDisconnect):
            await websocket.receive_text()

    return starlette.Starlette(routes=[WebSocketRoute("/chat/{room}", chat)])


def test_the_benchs_h2_echo_driver(codec: str) -> None:
    """bench/ws_h2_cost.py's client, bounded: what callgrind's runs rely on."""
    from bench.ws_h2_cost import echo as bench_echo

    with serve(echo, h2_codec=codec) as running:
        bench_echo(running.port, 20, b"x" * 20_000, text=False)
