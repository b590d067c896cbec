"""CORSMiddleware in a Squall App (TestClient and Squall's server, native path kept), around
a mounted app, and standalone around a Starlette app (Squall's server and uvicorn): preflight
answers, the headers of simple requests, Vary, credentials, regex origins, exposed headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse as StarlettePlainText
from starlette.routing import Route
from websockets.sync.client import connect

from squall import App, HTTPException, WebSocket
from squall.middleware import CORSMiddleware
from squall.responses import FileResponse, PlainTextResponse, StreamingResponse
from squall.staticfiles import StaticFiles
from tests.compat.conftest import ClientFor

SITE = "https://site.example"
OTHER = "https://other.example"


def cors_app(**options: Any) -> App:
    app = App()

    @app.get("/items")
    async def items() -> list[int]:
        return [1, 2]

    @app.post("/items")
    async def add_item() -> dict[str, bool]:
        return {"added": True}

    @app.get("/varied")
    async def varied() -> PlainTextResponse:
        return PlainTextResponse("v", headers={"vary": "Accept-Encoding"})

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def parts() -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/file")
    async def file() -> FileResponse:
        return FileResponse(__file__)

    @app.get("/fails")
    async def fails() -> None:
        raise HTTPException(418, "teapot")

    app.add_middleware(CORSMiddleware, **options)
    return app


def preflight(origin: str, method: str = "GET", headers: str | None = None) -> dict[str, str]:
    asked = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        asked["access-control-request-headers"] = headers
    return asked


def test_a_preflight_is_answered_with_what_is_allowed(client_for: ClientFor) -> None:
    app = cors_app(allow_origins=[SITE], allow_methods=["GET", "POST"], allow_headers=["X-Token"])
    answer = client_for(app).options("/items", headers=preflight(SITE, "POST", "x-token"))
    assert (answer.status_code, answer.text) == (200, "OK")
    assert answer.headers["access-control-allow-origin"] == SITE
    assert answer.headers["access-control-allow-methods"] == "GET, POST"
    allowed = answer.headers["access-control-allow-headers"]
    assert allowed == "accept, accept-language, content-language, content-type, x-token"
    assert answer.headers["access-control-max-age"] == "600"
    assert answer.headers["vary"].startswith("Origin, Access-Control-Request-Method")
    assert "access-control-allow-credentials" not in answer.headers


def test_a_preflight_names_everything_it_refuses(client_for: ClientFor) -> None:
    client = client_for(cors_app(allow_origins=[SITE]))
    refused = client.options("/items", headers=preflight(OTHER, "PUT", "x-token, accept"))
    assert (refused.status_code, refused.text) == (400, "Disallowed CORS origin, method, headers")
    assert "access-control-allow-origin" not in refused.headers
    only_method = client.options("/items", headers=preflight(SITE, "DELETE", "Accept"))
    assert (only_method.status_code, only_method.text) == (400, "Disallowed CORS method")
    assert only_method.headers["access-control-allow-origin"] == SITE


def test_a_preflight_to_a_path_without_a_route_is_still_answered(client_for: ClientFor) -> None:
    answer = client_for(cors_app(allow_origins=["*"])).options("/nowhere", headers=preflight(SITE))
    assert (answer.status_code, answer.headers["access-control-allow-origin"]) == (200, "*")


def test_any_header_and_any_method(client_for: ClientFor) -> None:
    app = cors_app(allow_origins=[SITE], allow_methods=["*"], allow_headers=["*"])
    answer = client_for(app).options("/items", headers=preflight(SITE, "PATCH", "X-A, x-b"))
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-headers"] == "X-A, x-b"  # mirrored
    methods = answer.headers["access-control-allow-methods"]
    assert methods == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY"


def test_private_network_access_is_refused_unless_allowed(client_for: ClientFor) -> None:
    asked = {**preflight(SITE), "access-control-request-private-network": "true"}
    refused = client_for(cors_app(allow_origins=[SITE])).options("/items", headers=asked)
    assert (refused.status_code, refused.text) == (400, "Disallowed CORS private-network")
    app = cors_app(allow_origins=[SITE], allow_private_network=True)
    allowed = client_for(app).options("/items", headers=asked)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-private-network"] == "true"


def test_a_listed_origin_is_echoed_and_varies(client_for: ClientFor) -> None:
    client = client_for(cors_app(allow_origins=[SITE], expose_headers=["X-Total", "X-Page"]))
    answer = client.get("/items", headers={"origin": SITE})
    assert answer.json() == [1, 2]
    assert answer.headers["access-control-allow-origin"] == SITE
    assert answer.headers["access-control-expose-headers"] == "X-Total, X-Page"
    assert answer.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in answer.headers


def test_any_origin_without_credentials_is_a_star(client_for: ClientFor) -> None:
    answer = client_for(cors_app(allow_origins=["*"])).get("/items", headers={"origin": SITE})
    assert (answer.headers["access-control-allow-origin"], answer.headers["vary"]) == (
        "*",
        "Origin",
    )


def test_credentials_echo_the_origin_even_for_any_origin(client_for: ClientFor) -> None:
    client = client_for(cors_app(allow_origins=["*"], allow_credentials=True))
    answer = client.get("/items", headers={"origin": SITE, "cookie": "session=1"})
    assert answer.headers["access-control-allow-origin"] == SITE
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert answer.headers["vary"] == "Origin"
    asked = client.options("/items", headers=preflight(SITE))
    assert asked.headers["access-control-allow-origin"] == SITE  # never "*" with credentials
    assert asked.headers["access-control-allow-credentials"] == "true"


def test_a_regex_origin_must_match_whole(client_for: ClientFor) -> None:
    client = client_for(cors_app(allow_origin_regex=r"https://[a-z]+\.example\.org"))
    matched = client.get("/items", headers={"origin": "https://app.example.org"})
    assert matched.headers["access-control-allow-origin"] == "https://app.example.org"
    longer = client.get("/items", headers={"origin": "https://app.example.org.evil.net"})
    assert "access-control-allow-origin" not in longer.headers
    assert longer.headers["vary"] == "Origin"


def test_an_origin_not_allowed_gets_the_answer_without_cors_headers(
    client_for: ClientFor,
) -> None:
    client = client_for(cors_app(allow_origins=[SITE], allow_credentials=True))
    answer = client.post("/items", headers={"origin": OTHER})
    assert answer.json() == {"added": True}  # the app ran: the browser hides the answer
    assert not [name for name in answer.headers if name.startswith("access-control-")]
    assert answer.headers["vary"] == "Origin"


def test_without_origin_only_vary_is_added(client_for: ClientFor) -> None:
    client = client_for(cors_app(allow_origins=["*"]))
    answer = client.get("/items")
    assert answer.json() == [1, 2]
    assert not [name for name in answer.headers if name.startswith("access-control-")]
    assert answer.headers["vary"] == "Origin"  # a cache keeps it apart from CORS answers
    varied = client.get("/varied", headers={"origin": SITE})
    assert varied.headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_answers_with_and_without_origin_in_turn_keep_apart(client_for: ClientFor) -> None:
    """Answers without Origin share one header list: a CORS answer must never leak into it."""
    client = client_for(cors_app(allow_origins=[SITE]))
    for _ in range(2):
        plain = client.get("/items")
        assert plain.headers.get_list("vary") == ["Origin"]
        assert "access-control-allow-origin" not in plain.headers
        cors = client.get("/items", headers={"origin": SITE})
        assert cors.headers.get_list("vary") == ["Origin"]
        assert cors.headers.get_list("access-control-allow-origin") == [SITE]
    assert client.get("/varied").headers.get_list("vary") == ["Accept-Encoding, Origin"]


def test_streams_files_and_errors_get_the_headers(client_for: ClientFor) -> None:
    client = client_for(cors_app(allow_origins=[SITE]))
    for path, status in (("/stream", 200), ("/file", 200), ("/fails", 418), ("/nowhere", 404)):
        answer = client.get(path, headers={"origin": SITE})
        assert answer.status_code == status, path
        assert answer.headers["access-control-allow-origin"] == SITE, path
    assert client.get("/stream", headers={"origin": SITE}).text == "ab"
    assert client.get("/file", headers={"origin": SITE}).content == Path(__file__).read_bytes()


def test_an_options_request_that_is_no_preflight_reaches_the_app(client_for: ClientFor) -> None:
    answer = client_for(cors_app(allow_origins=[SITE])).options("/items", headers={"origin": SITE})
    assert answer.status_code == 405  # the app's answer: no OPTIONS route
    assert answer.headers["access-control-allow-origin"] == SITE


def test_the_app_keeps_the_native_path() -> None:
    assert cors_app(allow_origins=[SITE]).__squall_native__() is not None


def test_a_mounted_app_gets_preflights_and_headers(client_for: ClientFor, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("static")
    app = cors_app(allow_origins=[SITE], allow_methods=["GET", "PUT"])
    app.mount("/static", StaticFiles(directory=tmp_path))
    app.mount("/star", Starlette(routes=[Route("/", lambda r: StarlettePlainText("star"))]))
    client = client_for(app)
    for path, text in (("/static/a.txt", "static"), ("/star/", "star")):
        answer = client.get(path, headers={"origin": SITE})
        assert (answer.text, answer.headers["access-control-allow-origin"]) == (text, SITE)
        assert answer.headers["vary"].endswith("Origin")  # StaticFiles: "accept-encoding, Origin"
        asked = client.options(path, headers=preflight(SITE, "PUT"))
        assert (asked.status_code, asked.headers["access-control-allow-methods"]) == (
            200,
            "GET, PUT",
        )


def starlette_inner() -> Starlette:
    async def hello(request: Any) -> StarlettePlainText:
        return StarlettePlainText("hello", headers={"vary": "Accept-Language"})

    return Starlette(routes=[Route("/", hello, methods=["GET", "POST"])])


def test_standalone_around_a_starlette_app(serve_app: Any) -> None:
    app = CORSMiddleware(starlette_inner(), allow_origins=[SITE], allow_credentials=True)
    with serve_app(app) as url:
        simple = httpx.post(url + "/", headers={"origin": SITE})
        asked = httpx.options(url + "/", headers=preflight(SITE, "GET", "content-type"))
        plain = httpx.get(url + "/")
    assert simple.text == "hello"
    assert simple.headers["access-control-allow-origin"] == SITE
    assert simple.headers["access-control-allow-credentials"] == "true"
    assert simple.headers.get_list("vary") == ["Accept-Language, Origin"]
    assert (asked.status_code, asked.text) == (200, "OK")
    assert asked.headers["content-length"] == "2"
    assert (plain.headers["vary"], plain.text) == ("Accept-Language, Origin", "hello")
    assert "access-control-allow-origin" not in plain.headers


def test_websockets_pass_through_the_asgi_face(serve_app: Any) -> None:
    inner = App()

    @inner.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())

    with serve_app(CORSMiddleware(inner, allow_origins=[SITE])) as url:
        ws_url = url.replace("http", "ws") + "/ws"
        with connect(ws_url, additional_headers={"origin": OTHER}) as socket:
            socket.send("hi")
            assert socket.recv(timeout=5) == "hi"
