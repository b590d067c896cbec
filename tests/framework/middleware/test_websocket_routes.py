"""An App's middleware on its own WebSocket routes (``@app.websocket``), as Starlette's see a
``websocket`` scope: on Squall's server (the socket hooks, native path) and under uvicorn
(the ASGI faces), with the websockets client and handshakes by hand.  TrustedHost and
HTTPSRedirect refuse before accept, the session is ``websocket.session``, the request id is
``websocket.state.request_id``; a middleware with only ``dispatch`` does not see sockets."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from websockets.sync.client import connect

from squall import App, Request, Response, WebSocket
from squall.middleware import (
    CallNext,
    CompressionMiddleware,
    CORSMiddleware,
    HTTPSRedirectMiddleware,
    RequestIdMiddleware,
    SessionMiddleware,
    SquallMiddleware,
    TrustedHostMiddleware,
)
from squall.middleware.session_cookie import SignedCookie, dump_session
from tests.framework.middleware.handshake import websocket_handshake

SECRET = "sockets"
ServeApp = Callable[[Any], Any]


def socket_app(*layers: tuple[type, dict[str, Any]]) -> tuple[App, list[str]]:
    """An App with a WebSocket route telling what it sees, and the paths it ran for."""
    app = App()
    ran: list[str] = []

    @app.websocket("/ws/{room}")
    async def room(websocket: WebSocket, room: str) -> None:
        ran.append(room)
        await websocket.accept()
        seen: dict[str, Any] = {"room": room}
        if "session" in await websocket.receive_text():
            seen["session"] = dict(websocket.session)
        seen["request_id"] = getattr(websocket.state, "request_id", None)
        await websocket.send_text(json.dumps(seen))

    for cls, options in layers:
        app.add_middleware(cls, **options)
    return app, ran


def ws_url(url: str, path: str) -> str:
    return url.replace("http://", "ws://") + path


def talk(url: str, path: str, ask: str = "", **headers: str) -> dict[str, Any]:
    with connect(ws_url(url, path), additional_headers=headers) as socket:
        socket.send(ask or "hello")
        answer: dict[str, Any] = json.loads(socket.recv(timeout=5))
    return answer


def test_trusted_host_refuses_a_handshake_before_accept(serve_app: ServeApp) -> None:
    app, ran = socket_app((TrustedHostMiddleware, {"allowed_hosts": ["127.0.0.1", "www.a.test"]}))
    with serve_app(app) as url:
        assert talk(url, "/ws/1") == {"room": "1", "request_id": None}
        refused = websocket_handshake(url, "/ws/2", "evil.test")
        redirected = websocket_handshake(url, "/ws/3?x=1", "a.test")
        unrouted = websocket_handshake(url, "/nowhere", "evil.test")  # refused before routing
    assert (refused.status, refused.body) == (400, b"Invalid host header")
    assert (redirected.status, redirected.headers["location"]) == (307, "ws://www.a.test/ws/3?x=1")
    assert unrouted.status == 400
    assert ran == ["1"]


def test_https_redirect_sends_an_insecure_handshake_to_wss(serve_app: ServeApp) -> None:
    app, ran = socket_app((HTTPSRedirectMiddleware, {}))
    with serve_app(app) as url:
        answer = websocket_handshake(url, "/ws/1?a=b", "example.com:8080")
    assert (answer.status, answer.headers["location"]) == (307, "wss://example.com:8080/ws/1?a=b")
    assert ran == []


def test_the_session_is_websocket_session(serve_app: ServeApp) -> None:
    cookie = SignedCookie(SECRET, 3600).sign(dump_session({"user": "ada", "cart": [1, 2]}))
    app, _ = socket_app((SessionMiddleware, {"secret_key": SECRET}))
    with serve_app(app) as url:
        signed_in = talk(url, "/ws/1", "session", cookie=f"session={cookie}")
        forged = talk(url, "/ws/2", "session", cookie="session=forged")
        none = talk(url, "/ws/3", "session")
    assert signed_in["session"] == {"user": "ada", "cart": [1, 2]}
    assert forged["session"] == none["session"] == {}


def test_the_request_id_is_on_websocket_state(serve_app: ServeApp) -> None:
    made = iter(["first-made", "second-made"])
    app, _ = socket_app((RequestIdMiddleware, {"generator": lambda: next(made)}))
    with serve_app(app) as url:
        given = talk(url, "/ws/1", **{"x-request-id": "from-client"})
        invalid = talk(url, "/ws/2", **{"x-request-id": "not valid"})
    assert (given["request_id"], invalid["request_id"]) == ("from-client", "first-made")


def test_every_built_in_together_in_either_order(serve_app: ServeApp) -> None:
    layers = [
        (CompressionMiddleware, {}),
        (SessionMiddleware, {"secret_key": SECRET}),
        (RequestIdMiddleware, {"generator": lambda: "made"}),
        (TrustedHostMiddleware, {"allowed_hosts": ["127.0.0.1"]}),
        (CORSMiddleware, {"allow_origins": ["*"]}),
    ]
    for order in (layers, layers[::-1]):
        app, _ = socket_app(*order)
        with serve_app(app) as url:
            seen = talk(url, "/ws/1", "session", origin="https://any.test")
            refused = websocket_handshake(url, "/ws/2", "evil.test", "Origin: https://any.test")
        assert seen == {"room": "1", "session": {}, "request_id": "made"}
        assert (refused.status, refused.body) == (400, b"Invalid host header")


class DispatchOnly(SquallMiddleware):
    """A middleware written with only ``dispatch`` (as with Starlette's BaseHTTPMiddleware)."""

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-dispatched"] = "yes"
        return response


def test_a_dispatch_only_middleware_sees_neither_sockets_nor_mounts(serve_app: ServeApp) -> None:
    """It has no ASGI face: sockets and mounted apps pass it by (they used to fail in it)."""
    app, ran = socket_app((DispatchOnly, {}), (SessionMiddleware, {"secret_key": SECRET}))

    @app.get("/page")
    async def page() -> str:
        return "page"

    async def mounted(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"mounted"})

    app.mount("/sub", mounted)
    with serve_app(app) as url:
        seen = talk(url, "/ws/1", "session")
        page_answer = httpx.get(url + "/page")
        mount_answer = httpx.get(url + "/sub/x")
    assert (seen["session"], ran) == ({}, ["1"])
    assert (page_answer.json(), page_answer.headers["x-dispatched"]) == ("page", "yes")
    assert (mount_answer.status_code, mount_answer.text) == (200, "mounted")
    assert "x-dispatched" not in mount_answer.headers
