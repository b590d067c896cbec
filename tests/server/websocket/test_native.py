"""The native WebSocket contract (squall.native.NativeWebSocket) on Squall's server, with a
real client: an app offering ``__squall_native_websocket__`` gets the server's socket object
and plain ``str``/``bytes`` messages, never ``app(scope, receive, send)``; and the close
handshake's timeout (``--ws-close-timeout``)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Coroutine
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from squall.native import NativeWebSocket, NativeWebSocketHandler, WebSocketClosed
from squall.server.cli import build_parser, config_from_args
from tests.server.serving import connect, read_head, serve, wait_until
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import (
    CLOSE,
    TEXT,
    close_code,
    frame,
    handshake_request,
    open_raw,
    read_frame,
)


class NativeOnly:
    """Answers WebSocket natively; its ASGI entry point must never be called for one."""

    def __init__(self) -> None:
        self.closes: list[tuple[int, str]] = []
        self.kinds: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise AssertionError(f"the ASGI entry point was called for {scope['type']!r}")

    def __squall_native_websocket__(self) -> NativeWebSocketHandler:
        return self.handle

    def handle(self, socket: NativeWebSocket) -> Coroutine[Any, Any, None]:
        if socket.path == "/recover":  # the handler's own call: its coroutine's errors
            socket.recover_with(functools.partial(self.recover, socket, asyncio.current_task()))
            return self.fail(socket)
        return self.serve(socket)

    async def fail(self, socket: NativeWebSocket) -> None:
        socket.accept()
        await socket.receive_message()
        raise ValueError("after a message")

    async def recover(self, socket: NativeWebSocket, outside: Any, exc: Exception) -> None:
        """Runs in the failed coroutine's place: in its task (not the server's callback's)."""
        same = asyncio.current_task() is not outside and asyncio.current_task() is not None
        await socket.send_message(f"recovered {exc!r} in its task: {same}")
        socket.close(4000, "recovered")

    async def serve(self, socket: NativeWebSocket) -> None:
        if socket.path == "/refuse":
            socket.respond(418, [(b"content-type", b"text/plain")], b"teapot")
        elif socket.path == "/close":
            socket.close()
        elif socket.path == "/asgi":  # the ASGI side of the same object
            assert (await socket.receive())["type"] == "websocket.connect"
            await socket.send({"type": "websocket.accept"})
            message = await socket.receive()
            await socket.send({"type": "websocket.send", "text": message["text"] + "!"})
        else:
            await self.echo(socket)

    async def echo(self, socket: NativeWebSocket) -> None:
        offered = socket.subprotocols
        socket.accept(offered[0] if offered else None, [(b"x-native", b"yes")])
        try:
            while True:
                data = await socket.receive_message()
                self.kinds.append(type(data).__name__)
                if data == "where":
                    data = f"{socket.scheme} {socket.path} {socket.query_string.decode()}"
                await socket.send_message(data)
        except WebSocketClosed as closed:
            self.closes.append((closed.code, closed.reason))


def test_a_native_handler_gets_plain_messages_and_the_close() -> None:
    app = NativeOnly()
    with serve(app, lifespan="off") as running:
        url = f"ws://127.0.0.1:{running.port}/room?x=1"
        with ws_connect(url, subprotocols=["v1"]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "v1"
            assert ws.response is not None and ws.response.headers["x-native"] == "yes"
            ws.send("hello")
            assert ws.recv(timeout=5) == "hello"
            ws.send(b"\x00\x01")
            assert ws.recv(timeout=5) == b"\x00\x01"
            ws.send("where")
            assert ws.recv(timeout=5) == "ws /room x=1"
            ws.close(4001, "bye")
        wait_until(lambda: app.closes, "the handler to see the close")
    assert app.closes == [(4001, "bye")]
    assert app.kinds == ["str", "bytes", "str"]


def test_native_refusals_an_http_response_and_a_403() -> None:
    with serve(NativeOnly(), lifespan="off") as running:
        for path, status in (("/refuse", b"418"), ("/close", b"403")):
            with connect(running) as sock:
                sock.sendall(handshake_request(path))
                assert read_head(sock).startswith(b"HTTP/1.1 " + status)


def test_asgi_receive_and_send_stay_available_on_the_native_socket() -> None:
    with (
        serve(NativeOnly(), lifespan="off") as running,
        ws_connect(f"ws://127.0.0.1:{running.port}/asgi") as ws,
    ):
        ws.send("hi")
        assert ws.recv(timeout=5) == "hi!"


def test_a_peer_that_never_answers_the_close_is_dropped_after_the_close_timeout() -> None:
    with serve(echo, lifespan="off", ws_close_timeout=0.1) as running, open_raw(running) as sock:
        sock.sendall(frame(TEXT, b"close please"))
        opcode, payload = read_frame(sock)
        assert opcode == CLOSE and close_code(payload) == 4000
        started = time.monotonic()
        sock.settimeout(3)  # the default timeout (5 s) would make recv time out: a failure
        while sock.recv(4096):  # this peer never sends its close frame
            pass
        assert time.monotonic() - started < 3


def test_the_close_timeout_flag() -> None:
    parse = build_parser().parse_args
    assert config_from_args(parse(["m:app"])).ws_close_timeout == 5.0
    assert config_from_args(parse(["m:app", "--ws-close-timeout", "0.5"])).ws_close_timeout == 0.5


def test_a_handlers_recover_with_runs_in_place_of_its_failed_coroutine() -> None:
    with (
        serve(NativeOnly(), lifespan="off") as running,
        ws_connect(f"ws://127.0.0.1:{running.port}/recover") as ws,
    ):
        ws.send("go")
        assert ws.recv(timeout=5) == "recovered ValueError('after a message') in its task: True"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
