"""HTTPSRedirectMiddleware in a Squall App (TestClient and Squall's server), standalone
around ASGI apps (Squall's server and uvicorn) for HTTP and WebSocket, over real TLS, behind
a proxy (X-Forwarded-Proto from a trusted and an untrusted peer), and against Starlette's."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.httpsredirect import HTTPSRedirectMiddleware as StarletteRedirect
from starlette.responses import PlainTextResponse as StarlettePlainText
from starlette.routing import Route

from squall import App, WebSocket
from squall.middleware import HTTPSRedirectMiddleware
from tests.compat.conftest import ClientFor
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn
from tests.framework.middleware.handshake import raw_request, websocket_handshake
from tests.server.serving import serve


def redirecting_app() -> App:
    app = App()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def anything(path: str) -> str:
        return path

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("open")

    app.add_middleware(HTTPSRedirectMiddleware)
    return app


@pytest.mark.parametrize(
    ("host", "netloc"),
    [
        ("example.com", "example.com"),
        ("example.com:80", "example.com"),
        ("example.com:443", "example.com"),
        ("example.com:8080", "example.com:8080"),
        ("[::1]:80", "[::1]"),
    ],
)
def test_plain_http_is_redirected_to_https(client_for: ClientFor, host: str, netloc: str) -> None:
    client = client_for(redirecting_app())
    answer = client.post("/a%20b/%2F?x=1&y=%41", headers={"host": host}, follow_redirects=False)
    assert (answer.status_code, answer.content) == (307, b"")
    assert answer.headers["location"] == f"https://{netloc}/a%20b/%2F?x=1&y=%41"


def test_a_request_without_host_goes_to_the_server_address(serve_app: Any) -> None:
    inner = Starlette(routes=[Route("/", lambda r: StarlettePlainText("star"))])
    with serve_app(HTTPSRedirectMiddleware(inner)) as url:
        answer = raw_request(url, b"GET /?q HTTP/1.0\r\n\r\n")
    assert answer.status == 307
    assert answer.headers["location"] == url.replace("http:", "https:") + "/?q"


def test_a_websocket_handshake_is_redirected_to_wss(serve_app: Any) -> None:
    with serve_app(HTTPSRedirectMiddleware(redirecting_app())) as url:
        answer = websocket_handshake(url, "/ws?room=1", "example.com:80")
    assert (answer.status, answer.headers["location"]) == (307, "wss://example.com/ws?room=1")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A server certificate for 127.0.0.1 (key and chain in one file) and its CA."""
    trustme = pytest.importorskip("trustme")
    folder = tmp_path_factory.mktemp("tls")
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    issued.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    return folder / "server.pem", folder / "ca.pem"


def test_requests_over_tls_pass(certificate: tuple[Path, Path]) -> None:
    server_pem, ca = certificate
    tls = {"ssl_certfile": str(server_pem), "ssl_keyfile": str(server_pem)}
    with serve(redirecting_app(), **tls) as running:
        context = ssl.create_default_context(cafile=str(ca))
        url = f"https://127.0.0.1:{running.port}/secure"
        answer = httpx.get(url, verify=context)
    assert (answer.status_code, answer.json()) == (200, "secure")


def test_behind_a_proxy_the_forwarded_scheme_counts() -> None:
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7"}
    with serve(redirecting_app()) as trusting:  # 127.0.0.1 is trusted by default
        passed = httpx.get(trusting.url + "/in", headers=forwarded)
        bare = httpx.get(trusting.url + "/in")
    assert (passed.status_code, passed.json()) == (200, "in")
    assert (bare.status_code, bare.headers["location"]) == (307, f"https://{_netloc(bare)}/in")
    with serve(redirecting_app(), forwarded_allow_ips="10.9.9.9") as distrusting:
        forged = httpx.get(distrusting.url + "/in", headers=forwarded)
    assert forged.status_code == 307  # the header from an untrusted peer is ignored


def test_uvicorns_proxy_headers_count_for_the_asgi_face() -> None:
    inner = Starlette(routes=[Route("/in", lambda r: StarlettePlainText("in"))])
    app = HTTPSRedirectMiddleware(inner)
    with serve_with_uvicorn(app, proxy_headers=True, forwarded_allow_ips="127.0.0.1") as url:
        passed = httpx.get(url + "/in", headers={"x-forwarded-proto": "https"})
        bare = httpx.get(url + "/in")
    assert (passed.status_code, passed.text, bare.status_code) == (200, "in", 307)


def _netloc(answer: httpx.Response) -> str:
    return answer.request.headers["host"]


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    def inner() -> Starlette:
        return Starlette(routes=[Route("/{p:path}", lambda r: StarlettePlainText("p"))])

    with contextlib.ExitStack() as stack:
        yield {
            "starlette": stack.enter_context(serve_with_uvicorn(StarletteRedirect(inner()))),
            "squall-asgi": stack.enter_context(
                serve_with_uvicorn(HTTPSRedirectMiddleware(inner()))
            ),
            "squall-native": stack.enter_context(serve_with_squall(redirecting_app())),
        }


@pytest.mark.parametrize(
    ("host", "target"),
    [
        ("example.com", "/"),
        ("Example.COM:80", "/a/b?c=d&e"),
        ("example.com:8443", "/x?y"),
        ("example.com:443", "/caf%C3%A9"),
    ],
)
def test_the_same_answers_as_starlette(servers: dict[str, str], host: str, target: str) -> None:
    with httpx.Client() as client:
        views = {
            side: (answer.status_code, answer.headers.get("location"))
            for side, url in servers.items()
            for answer in [client.get(url + target, headers={"host": host})]
        }
    expected = views.pop("starlette")
    assert views == {"squall-asgi": expected, "squall-native": expected}
