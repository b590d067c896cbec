"""FastAPI's WebSocket tutorial code, ported by its imports, run both ways: through
``TestClient.websocket_connect`` (in-process: the ASGI path, no socket) and on Squall's
server (the framework's native WebSocket path) with a real client over a real socket
(``tests.compat.socket_client``, the same calls as TestClient's).

No ``from __future__ import annotations``: the dependencies are local.
"""

import contextlib
import dataclasses
import logging
import pickle
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

import msgspec
import pydantic
import pytest

from squall import (
    App,
    Cookie,
    Depends,
    Header,
    HTTPException,
    Query,
    Router,
    WebSocket,
    WebSocketDisconnect,
    WebSocketException,
    status,
)
from squall.exceptions import MessageValidationError
from squall.testing import TestClient, WebSocketDenialResponse
from tests.compat.socket_client import Refused, SocketClient
from tests.server.serving import serve, wait_until


class Move(msgspec.Struct):
    x: int
    y: int


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Shout(pydantic.BaseModel):
    text: str


def echo_app() -> App:
    app = App()

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            data = await websocket.receive_text()
            await websocket.send_text(f"Message text was: {data}")

    return app


ClientOf = Callable[..., Any]  # a TestClient or a SocketClient


@pytest.fixture(params=["testclient", "squall-server"])
def client_of(request: pytest.FixtureRequest) -> Iterator[ClientOf]:
    """``client_of(app, **options)``: a TestClient (``options`` are its own), or the app on
    Squall's server and a socket client to it; closed or stopped after the test."""
    with contextlib.ExitStack() as stack:

        def open_client(app: App, **options: Any) -> Any:
            if request.param == "testclient":
                return stack.enter_context(TestClient(app, **options))
            return SocketClient(stack.enter_context(serve(app)).url)

        yield open_client


def assert_refused(client: Any, path: str, code: int, reason: str = "", **options: Any) -> None:
    """The app refuses the socket before accept: in-process, with the close code and reason
    it chose; on a server, with the HTTP 403 that stands for them on the wire."""
    if isinstance(client, SocketClient):
        with pytest.raises(Refused) as denied, client.websocket_connect(path, **options):
            pass
        assert denied.value.status == 403
        return
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(path, **options):
        pass
    assert refused.value.code == code
    assert refused.value.reason.startswith(reason)


def test_echo_text_until_the_client_closes(client_of: ClientOf) -> None:
    with client_of(echo_app()).websocket_connect("/ws") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "Message text was: hello"
        ws.send_text("again")
        assert ws.receive_text() == "Message text was: again"


def test_chat_room_from_a_path_parameter_with_a_typed_query(client_of: ClientOf) -> None:
    app = App()

    @app.websocket("/rooms/{room}/{seat:int}")
    async def chat(websocket: WebSocket, room: str, seat: int, q: int | None = None) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_json({"room": room, "seat": seat, "q": q, "text": text})

    with client_of(app).websocket_connect("/rooms/lobby/3?q=5") as ws:
        ws.send_text("hi")
        assert ws.receive_json() == {"room": "lobby", "seat": 3, "q": 5, "text": "hi"}
    # q is no int: 1008 before accept
    assert_refused(client_of(app), "/rooms/lobby/3?q=x", status.WS_1008_POLICY_VIOLATION, "query.q")


def test_query_token_and_cookie_through_depends(client_of: ClientOf) -> None:
    """FastAPI's tutorial: a session cookie or a token query parameter, else 1008."""
    app = App()

    async def get_cookie_or_token(
        session: Annotated[str | None, Cookie()] = None,
        token: Annotated[str | None, Query()] = None,
    ) -> str:
        if session is None and token is None:
            raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION)
        return session or token or ""

    @app.websocket("/items/{item_id}/ws")
    async def items(
        websocket: WebSocket,
        item_id: str,
        cookie_or_token: Annotated[str, Depends(get_cookie_or_token)],
        q: int | None = None,
    ) -> None:
        await websocket.accept()
        while True:
            data = await websocket.receive_text()
            await websocket.send_text(f"Session cookie or query token value is: {cookie_or_token}")
            await websocket.send_text(f"Message text was: {data}, for item ID: {item_id}")

    client = client_of(app)
    with client.websocket_connect("/items/foo/ws?token=some-token") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "Session cookie or query token value is: some-token"
        assert ws.receive_text() == "Message text was: hi, for item ID: foo"
    with client.websocket_connect("/items/foo/ws", headers={"cookie": "session=fakesession"}) as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "Session cookie or query token value is: fakesession"
    assert_refused(client, "/items/foo/ws", 1008)


def test_a_dependency_rejects_with_its_own_code_and_reason(client_of: ClientOf) -> None:
    app = App()

    async def api_key(x_api_key: Annotated[str, Header()]) -> str:
        if x_api_key != "secret":
            raise WebSocketException(4401, "bad key")
        return x_api_key

    @app.websocket("/ws", dependencies=[Depends(api_key)])
    async def guarded(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("in")
        await websocket.close()

    client = client_of(app)
    assert_refused(client, "/ws", 4401, "bad key", headers={"x-api-key": "wrong"})
    with client.websocket_connect("/ws", headers={"x-api-key": "secret"}) as ws:
        assert ws.receive_text() == "in"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
        assert closed.value.code == 1000


@pytest.mark.parametrize("model", [Move, Point, Shout])
def test_receive_json_into_a_model(model: type, client_of: ClientOf) -> None:
    app = App()

    @app.websocket("/ws")
    async def typed(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            try:
                value = await websocket.receive_json(type=model)
            except MessageValidationError as exc:
                await websocket.send_json({"error": exc.errors()[0]["loc"]})
                continue
            await websocket.send_json(value, mode="binary")

    good = {"text": "hey"} if model is Shout else {"x": 1, "y": 2}
    with client_of(app).websocket_connect("/ws") as ws:
        ws.send_json(good)
        assert ws.receive_json(mode="binary") == good
        ws.send_json({"x": "one"}, mode="binary")
        assert ws.receive_json()["error"][0] == "message"
        ws.send_text("{not json")
        assert ws.receive_json() == {"error": ["message"]}


def test_an_uncaught_invalid_message_closes_with_1003(client_of: ClientOf) -> None:
    app = App()

    @app.websocket("/ws")
    async def strict(websocket: WebSocket) -> None:
        await websocket.accept()
        move = await websocket.receive_json(type=Move)
        await websocket.send_json(move)

    with client_of(app).websocket_connect("/ws") as ws:
        ws.send_json({"x": 1})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == status.WS_1003_UNSUPPORTED_DATA
    assert "y" in closed.value.reason


def test_iter_text_ends_at_disconnect_and_generator_dependencies_close_after(
    client_of: ClientOf,
) -> None:
    events: list[str] = []
    app = App()

    async def connection_log() -> AsyncIterator[list[str]]:
        events.append("open")
        yield events
        events.append("closed")

    @app.websocket("/ws")
    async def collect(websocket: WebSocket, log: Annotated[list[str], Depends(connection_log)]):
        await websocket.accept()
        async for text in websocket.iter_text():
            log.append(text)
        log.append("loop ended")

    with client_of(app).websocket_connect("/ws") as ws:
        ws.send_text("a")
        ws.send_text("b")
        ws.close(1001)
    wait_until(lambda: "closed" in events, "the dependency to close")
    assert events == ["open", "a", "b", "loop ended", "closed"]


def test_subprotocol_and_extra_headers_of_the_accept(client_of: ClientOf) -> None:
    app = App()

    @app.websocket("/ws")
    async def negotiate(websocket: WebSocket) -> None:
        chosen = "v2.chat" if "v2.chat" in websocket.subprotocols else None
        await websocket.accept(subprotocol=chosen, headers={"x-served-by": "squall"})
        await websocket.send_text(websocket.headers["sec-websocket-protocol"])

    client = client_of(app)
    with client.websocket_connect("/ws", subprotocols=["v1.chat", "v2.chat"]) as ws:
        assert ws.accepted_subprotocol == "v2.chat"
        assert ws.extra_headers == [(b"x-served-by", b"squall")]
        assert ws.receive_text() == "v1.chat, v2.chat"


def test_an_unrouted_path_is_refused_before_accept(client_of: ClientOf) -> None:
    assert_refused(client_of(echo_app()), "/nowhere", 1000)


def test_an_unhandled_error_closes_1011_is_logged_and_raised_in_the_test(
    caplog: pytest.LogCaptureFixture, client_of: ClientOf
) -> None:
    app = App()

    @app.websocket("/ws")
    async def broken(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise ZeroDivisionError("boom")

    if isinstance(client_of(app), TestClient):  # in-process, the test sees the app's error
        with pytest.raises(ZeroDivisionError), client_of(app).websocket_connect("/ws") as ws:
            ws.send_text("x")
            ws.receive_text()
    with client_of(app, raise_server_exceptions=False).websocket_connect("/ws") as ws:
        ws.send_text("x")
        with caplog.at_level(logging.ERROR, "squall.app"), pytest.raises(WebSocketDisconnect) as e:
            ws.receive_text()
    assert e.value.code == status.WS_1011_INTERNAL_ERROR
    assert "unhandled exception in WebSocket /ws" in caplog.text


def test_router_websockets_are_included_with_prefix_and_dependencies(client_of: ClientOf) -> None:
    seen: list[str] = []

    async def audit(websocket: WebSocket) -> None:
        seen.append(websocket.url.path)

    router = Router(prefix="/live")

    @router.websocket("/feed/{topic}", name="feed")
    async def feed(websocket: WebSocket, topic: str) -> None:
        await websocket.accept()
        await websocket.send_text(topic)
        await websocket.close()

    app = App()
    app.include_router(router, prefix="/v1", dependencies=[Depends(audit)])
    with client_of(app).websocket_connect("/v1/live/feed/news") as ws:
        assert ws.receive_text() == "news"
    assert seen == ["/v1/live/feed/news"]
    assert app.url_path_for("feed", topic="x") == "/v1/live/feed/x"


def test_exception_handlers_see_websocket_errors(client_of: ClientOf) -> None:
    class Kicked(Exception):
        pass

    app = App()

    @app.exception_handler(Kicked)
    async def kicked(websocket: WebSocket, exc: Kicked) -> None:
        await websocket.close(4000, "kicked")

    async def add_route(websocket: WebSocket) -> None:
        await websocket.accept()
        raise Kicked

    app.add_api_websocket_route("/ws", add_route)
    with client_of(app).websocket_connect("/ws") as ws, pytest.raises(WebSocketDisconnect) as e:
        ws.receive_text()
    assert (e.value.code, e.value.reason) == (4000, "kicked")


def test_http_middleware_does_not_run_for_websockets_asgi_middleware_does(
    client_of: ClientOf,
) -> None:
    calls: list[str] = []
    app = echo_app()

    @app.middleware("http")
    async def http_only(request, call_next):  # type: ignore[no-untyped-def]
        calls.append("http")
        return await call_next(request)

    class SeesEverything:
        def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
            self.inner = inner

        async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
            calls.append(scope["type"])
            await self.inner(scope, receive, send)

    app.add_middleware(SeesEverything)
    with client_of(app).websocket_connect("/ws") as ws:
        ws.send_text("x")
        assert ws.receive_text() == "Message text was: x"
    assert [call for call in calls if call != "lifespan"] == ["websocket"]


def test_sync_handlers_and_body_parameters_are_refused_when_declared() -> None:
    app = App()
    with pytest.raises(TypeError, match="async def"):

        @app.websocket("/sync")
        def sync_handler(websocket: WebSocket) -> None:
            pass

    with pytest.raises(TypeError, match="body"):

        @app.websocket("/body")
        async def body_handler(websocket: WebSocket, move: Move) -> None:
            pass


def test_an_http_exception_before_accept_is_answered_as_http(client_of: ClientOf) -> None:
    """Starlette's behaviour: the handshake gets the exception's HTTP response (the
    ``websocket.http.response`` extension), in-process and on the wire alike."""
    app = App()

    @app.websocket("/rooms/{room}")
    async def room(websocket: WebSocket, room: str) -> None:
        if room != "lobby":
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no room {room}")
        await websocket.accept()
        await websocket.close()

    client = client_of(app)
    if isinstance(client, SocketClient):
        with pytest.raises(Refused) as refused, client.websocket_connect("/rooms/attic"):
            pass
        status_code, body = refused.value.status, refused.value.body
    else:
        with (
            pytest.raises(WebSocketDenialResponse) as denied,
            client.websocket_connect("/rooms/attic"),
        ):
            pass
        assert isinstance(denied.value, WebSocketDisconnect)  # what Starlette's tests catch
        status_code, body = denied.value.status_code, denied.value.content
        copied = pickle.loads(pickle.dumps(denied.value))  # exceptions cross processes
        assert (copied.status_code, copied.content, copied.code) == (404, body, 1000)
    assert status_code == 404
    assert msgspec.json.decode(body) == {"detail": "no room attic"}
    with client.websocket_connect("/rooms/lobby") as ws, pytest.raises(WebSocketDisconnect):
        ws.receive_text()
