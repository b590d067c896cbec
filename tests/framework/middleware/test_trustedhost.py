"""TrustedHostMiddleware in a Squall App (TestClient and Squall's server), around a mounted
app, standalone around ASGI apps (Squall's server and uvicorn) for HTTP and WebSocket, and
against Starlette's own: exact hosts, wildcards, ports and case, www redirects, refusals."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware as StarletteTrustedHost
from starlette.responses import PlainTextResponse as StarlettePlainText
from starlette.routing import Route
from websockets.sync.client import connect

from squall import App, WebSocket
from squall.middleware import TrustedHostMiddleware
from squall.middleware.trustedhost import HostPolicy, Verdict
from tests.compat.conftest import ClientFor
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.framework.middleware.handshake import raw_request, websocket_handshake

ALLOWED = ["example.com", "*.example.org", "[::1]", "www.example.net"]


def host_app(**options: Any) -> tuple[App, list[str]]:
    """An app behind the middleware, and the paths its route ran for."""
    app = App()
    ran: list[str] = []

    @app.get("/{path:path}")
    async def anything(path: str) -> str:
        ran.append(path)
        return path

    app.add_middleware(TrustedHostMiddleware, **options)
    return app, ran


@pytest.mark.parametrize(
    "host",
    ["example.com", "EXAMPLE.com:8080", "api.example.org", "a.b.example.org:443", "[::1]:8000"],
)
def test_allowed_hosts_are_served(client_for: ClientFor, host: str) -> None:
    app, ran = host_app(allowed_hosts=ALLOWED)
    answer = client_for(app).get("/page", headers={"host": host})
    assert (answer.status_code, answer.json(), ran) == (200, "page", ["page"])


@pytest.mark.parametrize(
    "host", ["example.org", "evil.com", "notexample.com", "example.com.evil.com", "[::2]"]
)
def test_other_hosts_get_400_and_the_app_never_runs(client_for: ClientFor, host: str) -> None:
    app, ran = host_app(allowed_hosts=ALLOWED)
    answer = client_for(app).get("/page", headers={"host": host})
    assert (answer.status_code, answer.text, ran) == (400, "Invalid host header", [])


def test_the_bare_domain_is_redirected_to_an_allowed_www(client_for: ClientFor) -> None:
    client = client_for(host_app(allowed_hosts=ALLOWED)[0])
    answer = client.post(
        "/a%20b/c?x=1&y=%2F", headers={"host": "example.net:8080"}, follow_redirects=False
    )
    assert answer.status_code == 307
    assert answer.headers["location"] == "http://www.example.net:8080/a%20b/c?x=1&y=%2F"
    app, ran = host_app(allowed_hosts=ALLOWED, www_redirect=False)
    refused = client_for(app).get("/", headers={"host": "example.net"})
    assert (refused.status_code, ran) == (400, [])


def test_by_default_every_host_is_allowed(client_for: ClientFor) -> None:
    answer = client_for(host_app()[0]).get("/x", headers={"host": "anything.test"})
    assert answer.json() == "x"


@pytest.mark.parametrize("pattern", ["example.*", "*example.com", "a.*.example.com", "**"])
def test_a_wildcard_is_only_a_leading_label(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"\*\.example\.com"):
        TrustedHostMiddleware(App(), allowed_hosts=[pattern])


def test_a_mounted_app_is_guarded_too(client_for: ClientFor) -> None:
    app, _ = host_app(allowed_hosts=["example.com"])
    app.mount("/star", Starlette(routes=[Route("/", lambda r: StarlettePlainText("star"))]))
    client = client_for(app)
    assert client.get("/star/", headers={"host": "example.com"}).text == "star"
    assert client.get("/star/", headers={"host": "evil.com"}).status_code == 400


def test_a_request_without_host_is_refused(serve_app: Any) -> None:
    inner = Starlette(routes=[Route("/", lambda r: StarlettePlainText("star"))])
    app = TrustedHostMiddleware(inner, allowed_hosts=["example.com"])
    with serve_app(app) as url:  # HTTP/1.0 may come without Host
        answer = raw_request(url, b"GET / HTTP/1.0\r\n\r\n")
    assert (answer.status, answer.body) == (400, b"Invalid host header")


def websocket_app() -> App:
    app = App()

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())

    return app


def test_a_websocket_to_another_host_is_refused(serve_app: Any) -> None:
    app = TrustedHostMiddleware(websocket_app(), allowed_hosts=["127.0.0.1"])
    with serve_app(app) as url:
        with connect(url.replace("http", "ws") + "/ws") as socket:
            socket.send("hi")
            assert socket.recv(timeout=5) == "hi"
        refused = websocket_handshake(url, "/ws", "evil.com")
    assert (refused.status, refused.body) == (400, b"Invalid host header")


HOSTS = [
    "example.com",
    "EXAMPLE.COM:80",
    "api.example.org",
    "example.org",
    "example.net",
    "www.example.net",
    "evil.com",
    "[::1]:1",
]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    def inner() -> Starlette:
        return Starlette(routes=[Route("/p", lambda r: StarlettePlainText("p"))])

    squall_app, _ = host_app(allowed_hosts=ALLOWED)
    with contextlib.ExitStack() as stack:
        yield {
            "starlette": stack.enter_context(
                serve_with_uvicorn(StarletteTrustedHost(inner(), allowed_hosts=ALLOWED))
            ),
            "squall-asgi": stack.enter_context(
                serve_with_uvicorn(TrustedHostMiddleware(inner(), allowed_hosts=ALLOWED))
            ),
            "squall-native": stack.enter_context(serve_with_squall(squall_app)),
        }


def test_the_same_answers_as_starlette(servers: dict[str, str]) -> None:
    def view(answer: httpx.Response) -> tuple[int, str | None, str | None]:
        refused = answer.text if answer.status_code == 400 else None
        return answer.status_code, answer.headers.get("location"), refused

    with httpx.Client() as client:
        for host in HOSTS:
            views = {
                side: view(client.get(url + "/p?q=1", headers={"host": host}))
                for side, url in servers.items()
            }
            expected = views.pop("starlette")
            assert views == {"squall-asgi": expected, "squall-native": expected}, host


def test_only_the_hosts_served_are_remembered_and_no_more_than_the_bound() -> None:
    policy = HostPolicy(["*.example.org"], www_redirect=True)
    for number in range(200):
        assert policy.verdict(f"forged{number}.test".encode()) is Verdict.REFUSED
    assert policy.memo == {}
    for number in range(200):
        assert policy.verdict(f"a{number}.example.org".encode()) is Verdict.ALLOWED
    assert len(policy.memo) == HostPolicy.MEMO_SIZE
