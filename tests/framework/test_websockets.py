"""Squall WebSocket routes behind a real server, talked to by the ``websockets`` library's
client over a real socket.

Each test runs on Squall's own server and on uvicorn (the ``server`` fixture's parameter).

No ``from __future__ import annotations``: the dependencies are local.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

import msgspec
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from squall import App, Depends, Header, HTTPException, WebSocket, WebSocketException
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.server.serving import wait_until
from tests.server.websocket.apps import echo

SERVERS: dict[str, Callable[[Any], contextlib.AbstractContextManager[str]]] = {
    "squall": serve_with_squall,
    "uvicorn": serve_with_uvicorn,
}


class Move(msgspec.Struct):
    x: int
    y: int


@pytest.fixture(params=sorted(SERVERS))
def ws_url(
    request: pytest.FixtureRequest,
) -> Callable[[App], contextlib.AbstractContextManager[str]]:
    """``with ws_url(app) as base:`` serves ``app`` and gives its ``ws://host:port``."""

    @contextlib.contextmanager
    def serving(app: App) -> Iterator[str]:
        with SERVERS[request.param](app) as http_url:
            yield "ws" + http_url.removeprefix("http")

    return serving


def chat_app(events: list[str]) -> App:
    app = App()

    async def membership(x_user: Annotated[str, Header()]) -> AsyncIterator[str]:
        events.append(f"join {x_user}")
        yield x_user
        events.append(f"leave {x_user}")

    @app.websocket("/rooms/{room}")
    async def room(
        websocket: WebSocket, room: str, user: Annotated[str, Depends(membership)]
    ) -> None:
        chosen = "chat.v1" if "chat.v1" in websocket.subprotocols else None
        await websocket.accept(subprotocol=chosen, headers={"x-room": room})
        async for text in websocket.iter_text():
            await websocket.send_text(f"{room}/{user}: {text}")
        events.append("loop ended")

    @app.websocket("/binary")
    async def binary(websocket: WebSocket) -> None:
        await websocket.accept()
        data = await websocket.receive_bytes()
        await websocket.send_bytes(data[::-1])
        move = await websocket.receive_json(type=Move)
        await websocket.send_json(Move(move.y, move.x), mode="binary")
        await websocket.close(4000, "done")

    @app.websocket("/kick")
    async def kick(websocket: WebSocket) -> None:
        await websocket.accept()
        raise WebSocketException(4403, "not in this room")

    @app.websocket("/broken")
    async def broken(websocket: WebSocket) -> None:
        await websocket.accept()
        raise RuntimeError("bug")

    @app.websocket("/strict")
    async def strict(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_json(type=Move)

    @app.websocket("/texts")
    async def texts(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():  # a binary message: 1003
            await websocket.send_text(text)

    return app


def close_frame(ws: ClientConnection) -> tuple[int, str] | None:
    """The server's close code and reason, once it has closed."""
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    received = closed.value.rcvd
    return None if received is None else (received.code, received.reason)


def test_chat_room_echo_with_subprotocol_headers_and_dependency_lifetime(ws_url: Any) -> None:
    events: list[str] = []
    with ws_url(chat_app(events)) as base:
        with connect(
            f"{base}/rooms/lobby",
            subprotocols=["chat.v1"],  # type: ignore[list-item]
            additional_headers={"x-user": "ann"},
        ) as ws:
            assert ws.subprotocol == "chat.v1"
            assert ws.response is not None and ws.response.headers["x-room"] == "lobby"
            ws.send("hello")
            assert ws.recv(timeout=5) == "lobby/ann: hello"
            ws.send("again")
            assert ws.recv(timeout=5) == "lobby/ann: again"
        wait_until(lambda: "leave ann" in events, "the dependency to close")
    assert events == ["join ann", "loop ended", "leave ann"]


def test_binary_and_typed_json_then_a_server_close_code(ws_url: Any) -> None:
    with ws_url(chat_app([])) as base, connect(f"{base}/binary") as ws:
        ws.send(b"\x01\x02\x03")
        assert ws.recv(timeout=5) == b"\x03\x02\x01"
        ws.send('{"x": 1, "y": 2}')
        assert msgspec.json.decode(ws.recv(timeout=5)) == {"x": 2, "y": 1}
        assert close_frame(ws) == (4000, "done")


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/nowhere", {"x-user": "ann"}), ("/rooms/lobby", {})],  # unrouted; a missing header
    ids=["unrouted", "invalid-parameters"],
)
def test_refused_before_accept_is_a_403(ws_url: Any, path: str, headers: dict[str, str]) -> None:
    with ws_url(chat_app([])) as base, pytest.raises(InvalidStatus) as refused:
        connect(f"{base}{path}", additional_headers=headers)
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    ("path", "code"), [("/kick", 4403), ("/broken", 1011), ("/strict", 1003), ("/texts", 1003)]
)
def test_errors_after_accept_close_with_their_code(ws_url: Any, path: str, code: int) -> None:
    with ws_url(chat_app([])) as base, connect(f"{base}{path}") as ws:
        if path == "/strict":
            ws.send('{"x": "one"}')
        elif path == "/texts":
            ws.send("text first")
            assert ws.recv(timeout=5) == "text first"
            ws.send(b"then binary")
        closing = close_frame(ws)
        assert closing is not None and closing[0] == code


def backend_app() -> App:
    """Tells the client which backend its WebSocket has: the server's own socket object
    (the native path) or none (ASGI messages); and mounts a raw ASGI echo at /raw."""
    app = App()

    @app.websocket("/backend")
    async def backend(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(type(getattr(websocket, "_socket", None)).__name__)
        await websocket.close()

    app.mount("/raw", echo)
    return app


def backend_seen(base: str) -> str:
    with connect(f"{base}/backend") as ws:
        return str(ws.recv(timeout=5))


def test_squall_hands_the_socket_over_natively_and_uvicorn_through_asgi(
    ws_url: Any, request: pytest.FixtureRequest
) -> None:
    with ws_url(backend_app()) as base:
        seen = backend_seen(base)
    on_squall = request.node.callspec.params["ws_url"] == "squall"
    assert seen == ("WebSocketConnection" if on_squall else "NoneType")


def test_asgi_middleware_keeps_the_asgi_path_on_squall() -> None:
    seen_types: list[str] = []

    class Passthrough:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            seen_types.append(scope["type"])
            await self.inner(scope, receive, send)

    app = backend_app()
    app.add_middleware(Passthrough)
    with serve_with_squall(app) as http_url:
        assert backend_seen("ws" + http_url.removeprefix("http")) == "NoneType"
    assert "websocket" in seen_types


def test_a_mounted_asgi_app_gets_scope_receive_and_send(ws_url: Any) -> None:
    with ws_url(backend_app()) as base, connect(f"{base}/raw/echo") as ws:
        ws.send("scope")
        assert "'path': '/raw/echo'" in str(ws.recv(timeout=5))
        ws.send(b"\x01")
        assert ws.recv(timeout=5) == b"\x01"


def test_an_http_error_before_accept_is_the_handshake_response(ws_url: Any) -> None:
    app = App()

    async def token(x_token: Annotated[str | None, Header()] = None) -> str:
        if x_token != "secret":
            raise HTTPException(401, "no entry", headers={"www-authenticate": "Bearer"})
        return x_token

    @app.websocket("/guarded")
    async def guarded(websocket: WebSocket, _: Annotated[str, Depends(token)]) -> None:
        await websocket.accept()
        await websocket.send_text("in")

    with ws_url(app) as base:
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{base}/guarded")
        response = refused.value.response
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert msgspec.json.decode(response.body) == {"detail": "no entry"}
        with connect(f"{base}/guarded", additional_headers={"x-token": "secret"}) as ws:
            assert ws.recv(timeout=5) == "in"


def messages_app(seen: list[Any]) -> App:
    """Each way of reading and sending a message, at a path of its own."""
    app = App()

    @app.websocket("/dicts")
    async def dicts(websocket: WebSocket) -> None:  # ASGI-shaped messages, as Starlette's
        await websocket.accept()
        while True:
            message = await websocket.receive()
            seen.append(message)
            if message["type"] == "websocket.disconnect":
                break
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message["bytes"])
        seen.append(websocket.client_state.name)
        try:
            await websocket.receive()
        except RuntimeError as exc:
            seen.append(str(exc))

    @app.websocket("/bytes")
    async def binary(websocket: WebSocket) -> None:
        await websocket.accept()
        async for data in websocket.iter_bytes():  # a text message: 1003
            await websocket.send_bytes(data[::-1])

    @app.websocket("/json")
    async def moves(websocket: WebSocket) -> None:
        await websocket.accept()
        async for move in websocket.iter_json(type=Move):
            await websocket.send_json(Move(move.y, move.x), mode="binary" if move.x else "text")

    @app.websocket("/waited")
    async def waited(websocket: WebSocket) -> None:  # reads in tasks of their own
        await websocket.accept()
        while True:
            text = await asyncio.wait_for(websocket.receive_text(), 5)
            await websocket.send_text(await asyncio.create_task(echo_later(text)))

    return app


async def echo_later(text: str) -> str:
    await asyncio.sleep(0)
    return text + "!"


def test_receive_gives_asgi_messages_then_the_disconnect(ws_url: Any) -> None:
    seen: list[Any] = []
    with ws_url(messages_app(seen)) as base:
        with connect(f"{base}/dicts") as ws:
            ws.send("text")
            assert ws.recv(timeout=5) == "text"
            ws.send(b"\x00bin")
            assert ws.recv(timeout=5) == b"\x00bin"
            ws.close(4001, "bye")
        wait_until(lambda: len(seen) == 5, "the handler to end")
    assert seen[:3] == [
        {"type": "websocket.receive", "text": "text"},
        {"type": "websocket.receive", "bytes": b"\x00bin"},
        {"type": "websocket.disconnect", "code": 4001, "reason": "bye"},
    ]
    assert seen[3:] == [
        "DISCONNECTED",
        "the client has disconnected: there is nothing more to receive",
    ]


def test_iter_bytes_and_iter_json_with_send_json_in_both_modes(ws_url: Any) -> None:
    with ws_url(messages_app([])) as base:
        with connect(f"{base}/bytes") as ws:
            ws.send(b"abc")
            assert ws.recv(timeout=5) == b"cba"
            ws.send("text")  # not binary: the loop raises, and the socket closes with 1003
            assert close_frame(ws) == (
                1003,
                "message: expected a binary message, received a text one",
            )
        with connect(f"{base}/json") as ws:
            ws.send('{"x": 0, "y": 2}')
            assert ws.recv(timeout=5) == '{"x":2,"y":0}'  # text
            ws.send(b'{"x": 1, "y": 3}')  # JSON may come as binary too
            assert ws.recv(timeout=5) == b'{"x":3,"y":1}'  # binary (mode="binary")


def test_reads_awaited_in_tasks_of_their_own(ws_url: Any) -> None:
    with ws_url(messages_app([])) as base, connect(f"{base}/waited") as ws:
        for number in range(3):
            ws.send(f"w{number}")
            assert ws.recv(timeout=5) == f"w{number}!"
