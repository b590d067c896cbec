"""RequestIdMiddleware: the incoming id when it is valid, else a new one; on request.state,
in the context variable and log records, echoed in the response; in a Squall App (Squall's
server and uvicorn) and as plain ASGI around a Starlette app and a mount."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from squall import App, BackgroundTasks, Request, Response
from squall.middleware import RequestIdFilter, RequestIdMiddleware
from squall.middleware.requestid import new_request_id, request_id
from squall.testing import TestClient
from tests.compat.conftest import ClientFor

ServeApp = Callable[[Any], Any]
log = logging.getLogger("tests.requestid")


class Lines(logging.Handler):
    """The formatted lines logged on ``tests.requestid`` while installed."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.addFilter(RequestIdFilter())
        self.setFormatter(logging.Formatter("%(request_id)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler = Lines()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield handler.lines
    finally:
        log.removeHandler(handler)


def id_app(**options: Any) -> App:
    app = App()

    @app.get("/id")
    async def which(request: Request, background: BackgroundTasks) -> dict[str, Any]:
        log.info("in the endpoint")
        background.add_task(log.info, "in a background task")
        return {"state": request.state.request_id, "context": request_id.get()}

    @app.get("/own-header")
    async def own_header(response: Response) -> None:
        response.headers["x-request-id"] = "set-by-the-app"

    app.add_middleware(RequestIdMiddleware, **options)
    return app


def test_a_new_id_is_made_exposed_and_echoed(serve_app: ServeApp, log_lines: list[str]) -> None:
    with serve_app(id_app()) as url, httpx.Client(base_url=url) as client:
        first, second = client.get("/id"), client.get("/id")  # one kept-alive connection
    for answer in (first, second):
        value = answer.headers["x-request-id"]
        assert len(value) == 32 and int(value, 16) >= 0  # uuid4().hex
        assert answer.json() == {"state": value, "context": value}
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    # Each request's lines carry its id; the first's background task may log after the
    # second request's endpoint (it runs in a thread once the response is sent).
    for answer in (first, second):
        value = answer.headers["x-request-id"]
        lines = [line for line in log_lines if line.startswith(value)]
        assert lines == [f"{value} in the endpoint", f"{value} in a background task"]
    log.info("outside")
    assert log_lines[-1] == "- outside"


def test_a_valid_incoming_id_is_kept(serve_app: ServeApp) -> None:
    incoming = "req-2024.01:abc+/=@_"
    with serve_app(id_app()) as url:
        answer = httpx.get(url + "/id", headers={"x-request-id": incoming})
    assert answer.headers["x-request-id"] == incoming
    assert answer.json() == {"state": incoming, "context": incoming}


@pytest.mark.parametrize("incoming", ["a" * 129, "a b", "a;b", 'a"b', "<script>", "é", ""])
def test_an_invalid_incoming_id_is_replaced(client_for: ClientFor, incoming: str) -> None:
    answer = client_for(id_app()).get("/id", headers={"x-request-id": incoming.encode()})
    value = answer.headers["x-request-id"]
    assert value != incoming and len(value) == 32
    assert answer.json()["state"] == value


def test_an_untrusted_incoming_id_is_replaced(client_for: ClientFor) -> None:
    answer = client_for(id_app(trust_incoming=False)).get("/id", headers={"x-request-id": "mine"})
    assert answer.headers["x-request-id"] != "mine"


def test_header_generator_and_validator_options(client_for: ClientFor) -> None:
    made = iter(range(1, 100))
    app = id_app(
        header_name="X-Correlation-ID",
        generator=lambda: f"gen-{next(made)}",
        validator=lambda value: value.startswith("ok-"),
    )
    client = client_for(app)
    assert client.get("/id").headers["x-correlation-id"] == "gen-1"
    kept = client.get("/id", headers={"x-correlation-id": "ok-7"})
    assert (kept.headers["x-correlation-id"], kept.json()["state"]) == ("ok-7", "ok-7")
    assert client.get("/id", headers={"x-correlation-id": "no-7"}).json()["state"] == "gen-2"
    assert "x-request-id" not in kept.headers


def test_the_id_replaces_a_header_the_app_set(client_for: ClientFor) -> None:
    answer = client_for(id_app()).get("/own-header", headers={"x-request-id": "from-client"})
    assert answer.headers.get_list("x-request-id") == ["from-client"]


async def starlette_id(request: StarletteRequest) -> JSONResponse:
    return JSONResponse({"state": request.state.request_id, "context": request_id.get()})


def test_around_a_starlette_app(serve_app: ServeApp) -> None:
    app = RequestIdMiddleware(Starlette(routes=[Route("/id", starlette_id)]))
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        made, kept = client.get("/id"), client.get("/id", headers={"x-request-id": "abc"})
    value = made.headers["x-request-id"]
    assert made.json() == {"state": value, "context": value}
    assert (kept.headers["x-request-id"], kept.json()["state"]) == ("abc", "abc")


def test_a_mounted_app_gets_the_id(client_for: ClientFor) -> None:
    app = id_app()
    app.mount("/legacy", Starlette(routes=[Route("/id", starlette_id)]))
    answer = client_for(app).get("/legacy/id", headers={"x-request-id": "through-mount"})
    assert answer.json() == {"state": "through-mount", "context": "through-mount"}
    assert answer.headers["x-request-id"] == "through-mount"


def test_the_app_keeps_the_native_path() -> None:
    assert id_app().__squall_native__() is not None


async def starlette_socket(websocket: StarletteWebSocket) -> None:
    await websocket.accept()
    await websocket.send_json([websocket.state.request_id, request_id.get()])
    await websocket.close()


def test_a_websocket_gets_the_id_as_plain_asgi() -> None:
    app = RequestIdMiddleware(Starlette(routes=[WebSocketRoute("/ws", starlette_socket)]))
    headers = {"x-request-id": "socket-1"}
    with TestClient(app) as client, client.websocket_connect("/ws", headers=headers) as socket:
        assert socket.receive_json() == ["socket-1", "socket-1"]


def test_the_asgi_face_restores_the_context_variable_after_the_app() -> None:
    seen: list[str | None] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(request_id.get())

    async def call() -> str | None:
        scope = {"type": "http", "headers": [(b"x-request-id", b"abc")]}
        await RequestIdMiddleware(inner)(scope, None, None)
        return request_id.get()

    assert asyncio.run(call()) is None
    assert seen == ["abc"]


def test_new_ids_are_version_4_uuids() -> None:
    made = {new_request_id() for _ in range(1000)}
    assert len(made) == 1000
    for value in made:
        parsed = uuid.UUID(hex=value)
        assert (parsed.hex, parsed.version, parsed.variant) == (value, 4, uuid.RFC_4122)
