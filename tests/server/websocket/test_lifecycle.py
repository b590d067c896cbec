"""Keepalive, graceful shutdown, backpressure, peer frameworks and TLS, with real sockets."""

from __future__ import annotations

import asyncio
import ssl
import threading
from typing import Any

import pytest
import trustme
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect as ws_connect

from tests.server.serving import serve, wait_until
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import CLOSE, PING, close_code, frame, open_raw, read_frame

TEXT = 1


def test_ping_timeout_closes_a_dead_peer() -> None:
    options = {"ws_ping_interval": 0.05, "ws_ping_timeout": 0.1}
    with serve(echo, lifespan="off", **options) as running, open_raw(running) as sock:
        opcode, _ = read_frame(sock)  # the keepalive ping, which this peer never answers
        assert opcode == PING
        sock.settimeout(5)
        rest = b""
        while chunk := sock.recv(4096):  # ends when the server drops the connection
            rest += chunk
        wait_until(lambda: not running.server.state.connections, "the connection to go")


def test_answered_pings_keep_the_socket_open() -> None:
    async def client(port: int) -> None:
        async with ws_connect(f"ws://127.0.0.1:{port}/") as ws:
            for _ in range(3):
                await asyncio.sleep(0.1)  # several ping intervals: the client's pongs count
            await ws.send("still here")
            assert await ws.recv() == "still here"

    with serve(echo, lifespan="off", ws_ping_interval=0.03, ws_ping_timeout=0.1) as running:
        asyncio.run(client(running.port))


def test_graceful_shutdown_closes_open_sockets_with_1012() -> None:
    with serve(echo, lifespan="off") as running, open_raw(running) as sock:
        wait_until(lambda: running.server.state.connections, "the socket to be open")
        running.server.should_exit = True
        opcode, payload = read_frame(sock)
        assert opcode == CLOSE and close_code(payload) == 1012
        sock.sendall(frame(CLOSE, payload[:2]))


def test_a_slow_app_pauses_reading_after_max_queue_messages() -> None:
    release = threading.Event()
    received: list[int] = []

    async def slow(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while not release.is_set():
            await asyncio.sleep(0.01)
        while (message := await receive())["type"] == "websocket.receive":
            received.append(len(message["bytes"]))

    with serve(slow, lifespan="off", ws_max_queue=4) as running, open_raw(running) as sock:
        wait_until(lambda: running.server.state.connections, "the socket to be open")
        (conn,) = running.server.state.connections
        try:
            for _ in range(10):
                sock.sendall(frame(2, b"m" * 100))
            wait_until(lambda: conn.read_paused, "reading to pause")
            # Paused after the read that filled the queue (one read may bring several).
            assert len(conn.messages) >= 4 and conn.read_pauses == 1
        finally:
            release.set()
        wait_until(lambda: len(received) == 10, "the app to read every message")
        assert not conn.read_paused
        sock.sendall(frame(CLOSE, b"\x03\xe8"))


def test_send_waits_while_the_client_does_not_read() -> None:
    sent: list[int] = []

    async def flood(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        for _ in range(400):
            await send({"type": "websocket.send", "bytes": b"z" * 65536})
            sent.append(1)

    options = {"ws_per_message_deflate": False, "write_high_water": 65536}
    with serve(flood, lifespan="off", **options) as running, open_raw(running) as sock:
        wait_until(lambda: running.server.state.connections, "the socket to be open")
        (conn,) = running.server.state.connections
        wait_until(lambda: conn.write_paused, "the app's send to wait")
        before = len(sent)
        assert before < 400  # ~26 MB would be buffered without flow control
        read_frame(sock)
        assert conn.write_pauses >= 1


def starlette_app() -> Any:
    async def endpoint(
        websocket: WebSocket,
    ) -> None:  # Starlette's WebSocket: FastAPI re-exports it
        await websocket.accept(subprotocol="chat")
        async for text in websocket.iter_text():
            await websocket.send_text(f"starlette: {text}")

    return Starlette(routes=[WebSocketRoute("/ws", endpoint)])


def fastapi_app() -> Any:
    app = FastAPI()

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket, name: str = "you") -> None:
        await websocket.accept(subprotocol="chat")
        try:
            while True:
                text = await websocket.receive_text()
                await websocket.send_text(f"fastapi {name}: {text}")
        except WebSocketDisconnect:
            pass

    return app


@pytest.mark.parametrize(
    ("factory", "expected"),
    [(starlette_app, "starlette: hi"), (fastapi_app, "fastapi bob: hi")],
)
def test_starlette_and_fastapi_endpoints_unchanged(factory: Any, expected: str) -> None:
    async def client(port: int) -> None:
        url = f"ws://127.0.0.1:{port}/ws?name=bob"
        async with ws_connect(url, subprotocols=["chat"]) as ws:  # type: ignore[list-item]
            await ws.send("hi")
            assert await ws.recv() == expected

    with serve(factory()) as running:
        asyncio.run(client(running.port))


def test_wss_over_tls(tmp_path: Any) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile = tmp_path / "cert.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)

    async def client(port: int) -> str:
        async with ws_connect(f"wss://127.0.0.1:{port}/", ssl=client_context) as ws:
            await ws.send("scope")
            return str(await ws.recv())

    with serve(echo, lifespan="off", ssl_certfile=str(certfile)) as running:
        assert "'scheme': 'wss'" in asyncio.run(client(running.port))
