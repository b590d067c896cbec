"""Messages, close codes and protocol errors on an open socket (websockets client, raw frames)."""

from __future__ import annotations

import asyncio
import codecs
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from tests.server import serving
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import close_code, frame, open_raw, read_frame

TEXT, BINARY, CONT, CLOSE, PING, PONG = 1, 2, 0, 8, 9, 10
CODEC = "websockets"


@pytest.fixture(autouse=True, params=["squall", "websockets", "wsproto"])
def codec(request: pytest.FixtureRequest) -> str:
    """Every test here runs with each codec library (``--ws``)."""
    global CODEC
    CODEC = request.param
    return CODEC


def serve(app: Any, **options: Any) -> Any:
    return serving.serve(app, ws=CODEC, **options)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_echo_text_and_binary_with_subprotocol_and_extra_headers() -> None:
    async def client(port: int) -> None:
        url = f"ws://127.0.0.1:{port}/ws?room=1"
        async with ws_connect(url, subprotocols=["chat", "other"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "chat"
            assert ws.response.headers["x-echo"] == "yes"
            await ws.send("héllo")
            assert await ws.recv() == "héllo"
            await ws.send(b"\x00\x01" * 10000)
            assert await ws.recv() == b"\x00\x01" * 10000
            await ws.send("scope")
            scope = await ws.recv()
            assert "'scheme': 'ws'" in scope and "b'room=1'" in scope

    with serve(echo, lifespan="off") as running:
        run(client(running.port))


def test_permessage_deflate_is_negotiated_and_can_be_turned_off() -> None:
    async def client(port: int) -> str | None:
        async with ws_connect(f"ws://127.0.0.1:{port}/") as ws:
            await ws.send("a" * 5000)
            assert await ws.recv() == "a" * 5000
            return ws.response.headers.get("sec-websocket-extensions")

    with serve(echo, lifespan="off") as running:
        assert (run(client(running.port)) or "").startswith("permessage-deflate")
    with serve(echo, lifespan="off", ws_per_message_deflate=False) as running:
        assert run(client(running.port)) is None


def test_app_close_code_and_reason_reach_the_client() -> None:
    async def client(port: int) -> tuple[int | None, str | None]:
        async with ws_connect(f"ws://127.0.0.1:{port}/") as ws:
            await ws.send("close please")
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else None
        return None, None

    with serve(echo, lifespan="off") as running:
        assert run(client(running.port)) == (4000, "asked")


def test_client_close_code_and_reason_reach_the_app() -> None:
    seen: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        seen.append(await receive())

    async def client(port: int) -> None:
        async with ws_connect(f"ws://127.0.0.1:{port}/") as ws:
            await ws.close(4321, "bye now")

    with serve(app, lifespan="off") as running:
        run(client(running.port))
        serving.wait_until(lambda: seen, "the app's disconnect message")
    del done
    assert seen == [{"type": "websocket.disconnect", "code": 4321, "reason": "bye now"}]


def test_oversize_message_closes_with_1009() -> None:
    async def client(port: int) -> int | None:
        async with ws_connect(f"ws://127.0.0.1:{port}/", max_size=None) as ws:
            await ws.send(b"x" * 2000)
            try:
                await ws.recv()
            except ConnectionClosed as exc:
                return exc.rcvd.code if exc.rcvd else None
        return None

    with serve(echo, lifespan="off", ws_max_size=1000) as running:
        assert run(client(running.port)) == 1009


def test_invalid_utf8_closes_with_1007_even_split_across_fragments() -> None:
    with serve(echo, lifespan="off") as running, open_raw(running) as sock:
        snowman = "☃".encode()
        sock.sendall(frame(TEXT, b"ok " + snowman[:1], fin=False) + frame(CONT, snowman[1:]))
        assert read_frame(sock) == (TEXT, "ok ☃".encode())
        sock.sendall(frame(TEXT, b"bad \xff\xfe"))
        opcode, payload = read_frame(sock)
    assert opcode == CLOSE and close_code(payload) == 1007


def test_unmasked_client_frame_is_a_protocol_error_1002() -> None:
    with serve(echo, lifespan="off") as running, open_raw(running) as sock:
        sock.sendall(frame(TEXT, b"hi", mask=False))
        opcode, payload = read_frame(sock)
    assert opcode == CLOSE and close_code(payload) == 1002


def test_continuation_without_a_start_is_a_protocol_error_1002() -> None:
    with serve(echo, lifespan="off") as running, open_raw(running) as sock:
        sock.sendall(frame(CONT, b"orphan"))
        opcode, payload = read_frame(sock)
    assert opcode == CLOSE and close_code(payload) == 1002


def test_fragmented_message_with_an_interleaved_ping() -> None:
    with serve(echo, lifespan="off") as running, open_raw(running) as sock:
        sock.sendall(
            frame(BINARY, b"one ", fin=False)
            + frame(PING, b"are you there")
            + frame(CONT, b"two ", fin=False)
            + frame(CONT, b"three")
        )
        assert read_frame(sock) == (PONG, b"are you there")
        assert read_frame(sock) == (BINARY, b"one two three")


def test_incremental_decoder_is_what_validates() -> None:
    # Guards the raw helper: a text frame split inside a character is valid UTF-8 overall.
    decoder = codecs.getincrementaldecoder("utf-8")()
    assert decoder.decode("☃".encode()[:1]) == ""
