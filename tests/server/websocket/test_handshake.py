"""The opening handshake: valid ones reach the app, bad ones get 400/426 and never a 101."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from tests.server.serving import captured_errors, connect, exchange, read_head, serve
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import handshake_request


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"Sec_WebSocket_Key": None}, 400),
        ({"Sec_WebSocket_Key": "not base64!"}, 400),
        ({"Sec_WebSocket_Key": "c2hvcnQ="}, 400),  # 5 bytes, not 16
        ({"Sec_WebSocket_Version": "8"}, 426),
        ({"Sec_WebSocket_Version": None}, 426),
        ({"method": "POST", "Content_Length": "0"}, 400),
        ({"version": "HTTP/1.0"}, 400),
        ({"Connection": "keep-alive"}, 400),
    ],
)
def test_bad_handshakes_are_refused(overrides: dict[str, Any], status: int) -> None:
    with captured_errors() as errors, serve(echo) as running:
        response = exchange(running, handshake_request(**overrides))
    assert response.startswith(b"HTTP/1.1 %d " % status), response[:100]
    assert b" 101 " not in response
    if status == 426:
        assert b"sec-websocket-version: 13\r\n" in response.lower()
    assert not errors.records


def test_valid_handshake_gets_101_with_the_accept_key() -> None:
    with serve(echo) as running, connect(running) as sock:
        sock.sendall(handshake_request(Sec_WebSocket_Key="dGhlIHNhbXBsZSBub25jZQ=="))
        head = read_head(sock).lower()
    assert head.startswith(b"http/1.1 101 switching protocols")
    # RFC 6455, section 1.3's example key and answer.
    assert b"sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=" in head


async def _refused_status(port: int, path: str = "/") -> int:
    with pytest.raises(InvalidStatus) as info:
        async with ws_connect(f"ws://127.0.0.1:{port}{path}"):
            pass
    return info.value.response.status_code


async def close_before_accept(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.close", "code": 1000})


async def raises_before_accept(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        raise RuntimeError("no websocket here")


async def returns_without_accepting(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await receive()


@pytest.mark.parametrize(
    "app", [close_before_accept, raises_before_accept, returns_without_accepting]
)
def test_an_app_that_does_not_accept_refuses_with_403(app: Any) -> None:
    with serve(app, lifespan="off") as running:
        assert asyncio.run(_refused_status(running.port)) == 403


async def http_response_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert "websocket.http.response" in scope["extensions"]
    await receive()
    await send(
        {
            "type": "websocket.http.response.start",
            "status": 401,
            "headers": [(b"content-type", b"text/plain"), (b"x-why", b"token")],
        }
    )
    await send({"type": "websocket.http.response.body", "body": b"no ", "more_body": True})
    await send({"type": "websocket.http.response.body", "body": b"token"})


def test_websocket_http_response_extension() -> None:
    async def attempt(port: int) -> None:
        async with ws_connect(f"ws://127.0.0.1:{port}/"):
            pass

    with serve(http_response_app, lifespan="off") as running, pytest.raises(InvalidStatus) as info:
        asyncio.run(attempt(running.port))
    response = info.value.response
    assert response.status_code == 401
    assert response.headers["x-why"] == "token"
    assert response.body == b"no token"


def test_ws_none_leaves_upgrades_to_the_app_as_http() -> None:
    seen: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["type"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"plain"})

    with serve(app, ws="none", lifespan="off") as running:
        response = exchange(running, handshake_request())
    assert response.startswith(b"HTTP/1.1 200 ")
    assert seen == ["http"]


def test_a_squall_app_without_websocket_routes_refuses_with_403() -> None:
    from squall import App

    app = App()

    @app.get("/")
    async def index() -> dict[str, str]:
        return {"ok": "yes"}

    with serve(app) as running:
        assert asyncio.run(_refused_status(running.port, "/ws")) == 403
