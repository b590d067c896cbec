"""CompressionMiddleware and GZipMiddleware: negotiation, what is never touched, headers,
streaming kept live, files; on Squall's server (native path) and uvicorn, in a Squall App,
around a Starlette app and behind a mount; GZipMiddleware alongside Starlette's own."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import socket
import threading
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware as StarletteGZip
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse as StarletteJSON
from starlette.responses import Response as StarletteResponse
from starlette.responses import StreamingResponse as StarletteStreaming
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from squall import App
from squall.middleware import CompressionMiddleware, GZipMiddleware, codings
from squall.middleware.codings import negotiate
from squall.responses import FileResponse, Response, StreamingResponse
from squall.staticfiles import StaticFiles
from tests.compat.conftest import ClientFor
from tests.framework.static_tree import SCRIPT_BR, curl
from tests.server.serving import read_response


def _extra(module: str) -> Any:
    """A package of the compression extra: without it the tests skip (fail in CI)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(
            f"{module} is missing: pip install squall[compression]", allow_module_level=True
        )


brotli = _extra("brotli")
zstandard = _extra("zstandard")
ITEMS = [{"id": i, "name": f"item {i}", "email": f"user{i}@example.com"} for i in range(50)]
PAYLOAD = json.dumps(ITEMS).encode()
TEXT = b"The quick brown fox jumps over the lazy dog. " * 40
DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda data: zlib.decompress(data, 16 + zlib.MAX_WBITS),
    "br": brotli.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data),
}


# One client for the module (making one costs more than a request: its TLS context), with
# no kept connections: each test's server stops at once.
HTTP = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))


@pytest.fixture(scope="module", autouse=True)
def _close_the_client() -> Iterator[None]:
    yield
    HTTP.close()


def raw_get(url: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (not decoded)."""
    with HTTP.stream("GET", url, headers=headers) as answer:
        return answer, b"".join(answer.iter_raw())


def decoded(answer: httpx.Response, raw: bytes) -> bytes:
    coding = answer.headers.get("content-encoding")
    return raw if coding is None else DECODERS[coding](raw)


def squall_app(**options: Any) -> App:
    """Every case the tests need, behind CompressionMiddleware (``options`` its settings)."""
    app = App()

    @app.get("/items")
    async def items() -> list[dict[str, Any]]:
        return ITEMS

    @app.get("/text")
    async def text() -> Response:
        return Response(TEXT, media_type="text/plain", headers={"etag": '"v1"', "vary": "Origin"})

    @app.get("/small")
    async def small() -> Response:
        return Response(b"tiny", media_type="text/plain")

    @app.get("/png")
    async def png() -> Response:
        return Response(TEXT, media_type="image/png")

    @app.get("/encoded")
    async def encoded() -> Response:
        headers = {"content-encoding": "gzip"}
        return Response(zlib.compress(TEXT, 6, 31), headers=headers, media_type="text/plain")

    @app.get("/partial")
    async def partial() -> Response:
        headers = {"content-range": f"bytes 0-599/{len(TEXT)}"}
        return Response(TEXT[:600], 206, headers=headers, media_type="text/plain")

    @app.get("/no-transform")
    async def no_transform() -> Response:
        headers = {"cache-control": "no-transform"}
        return Response(TEXT, headers=headers, media_type="text/plain")

    @app.get("/status/{code}")
    async def status(code: int) -> Response:
        return Response(b"" if code in (204, 304) else TEXT, code, media_type="text/plain")

    @app.get("/events")
    async def events() -> StreamingResponse:
        return StreamingResponse(_parts([b"data: one\n\n"] * 60), media_type="text/event-stream")

    app.add_middleware(CompressionMiddleware, **options)
    return app


async def _parts(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


# -- Negotiation ------------------------------------------------------------------------------

ALL = ("zstd", "br", "gzip")


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("gzip", "gzip"),
        ("gzip, br", "br"),  # a tie: the server's order
        ("gzip, br, zstd", "zstd"),
        ("br;q=0.5, gzip", "gzip"),  # the higher q wins
        ("zstd;q=0.2, br;q=0.9, gzip;q=0.9", "br"),
        ("*", "zstd"),
        ("*;q=0.5, gzip;q=0.1", "zstd"),  # * weighs what the header does not name
        ("br;q=0, *", "zstd"),
        ("x-gzip", "gzip"),
        ("GZIP", "gzip"),
        ("gzip;q=0", None),
        ("gzip;q=nonsense", None),
        ("identity", None),
        ("", None),
        ("deflate, compress", None),
        ("identity;q=0, deflate", None),  # nothing acceptable: unencoded, not 406
        ("gzip;q=0.5, identity;q=0.8", None),  # identity preferred
        ("gzip;q=0.5, identity;q=0.5", "gzip"),
        ("*;q=0", None),
    ],
)
def test_negotiation_follows_q_values_and_the_server_order(header: str, chosen: str | None) -> None:
    position = negotiate(header, ALL)
    assert (ALL[position] if position >= 0 else None) == chosen


def test_a_coding_whose_package_is_missing_is_never_chosen(
    monkeypatch: pytest.MonkeyPatch, client_for: ClientFor
) -> None:
    monkeypatch.setattr(codings, "INSTALLED", frozenset({"gzip"}))
    answer = client_for(squall_app()).get(
        "/items", headers={"accept-encoding": "zstd, br, gzip;q=0.1"}
    )
    assert (answer.headers["content-encoding"], answer.json()) == ("gzip", ITEMS)


def test_an_unknown_coding_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="deflate"):
        CompressionMiddleware(App(), codings=("deflate",))


# -- Encoded answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("coding", ALL)
def test_each_coding_on_both_servers(serve_app: Any, coding: str) -> None:
    with serve_app(squall_app()) as url:
        answer, raw = raw_get(url + "/items", **{"accept-encoding": coding})
    assert answer.headers["content-encoding"] == coding
    assert answer.headers["content-length"] == str(len(raw)) and len(raw) < len(PAYLOAD)
    assert answer.headers["vary"] == "Accept-Encoding"
    assert json.loads(decoded(answer, raw)) == ITEMS


@pytest.mark.parametrize("level", [1, 9])
def test_the_gzip_level_is_the_one_asked_for(serve_app: Any, level: int) -> None:
    with serve_app(squall_app(gzip_level=level)) as url:
        _, raw = raw_get(url + "/text", **{"accept-encoding": "gzip"})
    assert raw == zlib.compress(TEXT, level, 16 + zlib.MAX_WBITS)


def test_headers_of_an_encoded_answer(client_for: ClientFor) -> None:
    answer = client_for(squall_app()).get("/text", headers={"accept-encoding": "br"})
    assert answer.headers["content-encoding"] == "br"
    assert answer.headers["etag"] == 'W/"v1"'  # another representation: a weak validator
    assert answer.headers["vary"] == "Origin, Accept-Encoding"
    assert answer.content == TEXT


def test_curl_compressed_decodes_it(serve_app: Any) -> None:
    with serve_app(squall_app()) as url:
        answer = curl(url + "/items", "--compressed")
    assert answer.headers["content-encoding"] == "zstd"  # curl offers deflate, gzip, br, zstd
    assert json.loads(answer.body) == ITEMS


def test_head_gets_the_headers_of_get(serve_app: Any) -> None:
    with serve_app(squall_app()) as url, httpx.Client(timeout=10) as client:
        accept = {"accept-encoding": "gzip"}
        got, head = (
            client.get(url + "/items", headers=accept),
            HTTP.head(url + "/items", headers=accept),
        )
    assert head.content == b""
    for name in ("content-encoding", "content-length", "vary"):
        assert head.headers[name] == got.headers[name]


# -- Left alone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/small", "/png", "/encoded", "/partial", "/no-transform", "/status/204", "/status/304"],
)
def test_what_is_never_encoded(client_for: ClientFor, path: str) -> None:
    client = client_for(squall_app())
    plain = client.get(path)
    answer = client.get(path, headers={"accept-encoding": "gzip, br, zstd"})
    assert answer.status_code == plain.status_code
    assert answer.headers.get("content-encoding") == plain.headers.get("content-encoding")
    assert answer.headers.get("content-length") == plain.headers.get("content-length")
    assert "vary" not in answer.headers  # the same for every Accept-Encoding
    assert answer.content == plain.content


def test_other_statuses_are_encoded(client_for: ClientFor) -> None:
    answer = client_for(squall_app()).get("/status/404", headers={"accept-encoding": "gzip"})
    assert (answer.status_code, answer.headers["content-encoding"]) == (404, "gzip")


def test_without_accept_encoding_nothing_changes(client_for: ClientFor) -> None:
    answer = client_for(squall_app()).get("/items", headers={"accept-encoding": ""})
    assert "content-encoding" not in answer.headers
    assert answer.headers["vary"] == "Accept-Encoding"  # an empty header is a choice too
    assert answer.json() == ITEMS


def test_identity_refused_still_gets_an_unencoded_200(client_for: ClientFor) -> None:
    answer = client_for(squall_app()).get(
        "/items", headers={"accept-encoding": "identity;q=0, deflate"}
    )
    assert answer.status_code == 200  # RFC 9110 12.5.3: unencoded rather than 406
    assert "content-encoding" not in answer.headers
    assert answer.headers["vary"] == "Accept-Encoding"


def test_a_request_without_the_header_passes_untouched(serve_app: Any) -> None:
    with serve_app(squall_app()) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"GET /items HTTP/1.1\r\nhost: x\r\n\r\n")  # httpx always sends one
            answer = read_response(sock)
    assert "content-encoding" not in answer.headers and "vary" not in answer.headers
    assert json.loads(answer.body) == ITEMS


async def small_stream(scope: Scope, receive: Receive, send: Send) -> None:
    """A streamed body that says it is small (Content-Length: 20)."""
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"20")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"0123456789", "more_body": True})
    await send({"type": "http.response.body", "body": b"0123456789"})


def test_a_stream_declared_small_is_not_encoded(serve_app: Any) -> None:
    app = Starlette(routes=[Mount("/", app=small_stream)])
    with serve_app(CompressionMiddleware(app)) as url:
        answer, raw = raw_get(url + "/", **{"accept-encoding": "gzip"})
    assert "content-encoding" not in answer.headers
    assert raw == b"0123456789" * 2


def test_event_streams_are_never_encoded(serve_app: Any) -> None:
    with serve_app(squall_app()) as url:
        answer, raw = raw_get(url + "/events", **{"accept-encoding": "gzip"})
    assert "content-encoding" not in answer.headers
    assert raw == b"data: one\n\n" * 60


# -- Streaming stays live ---------------------------------------------------------------------


class Gate:
    """A stream that sends its first part, then waits for the test to open the gate."""

    def __init__(self) -> None:
        self.opened = threading.Event()

    async def parts(self) -> AsyncIterator[bytes]:
        yield TEXT
        await asyncio.to_thread(self.opened.wait, 10)
        yield b"the end"


def read_first_part_then_open(url: str, gate: Gate, coding: str) -> None:
    """The first part arrives decoded while the stream is still open; then the rest."""
    headers = {"accept-encoding": coding}
    with HTTP.stream("GET", url, headers=headers) as answer:
        assert answer.headers["content-encoding"] == coding
        assert "content-length" not in answer.headers
        received = b""
        parts = answer.iter_bytes()
        while len(received) < len(TEXT):
            received += next(parts)
        assert received == TEXT and not gate.opened.is_set()
        gate.opened.set()
        assert received + b"".join(parts) == TEXT + b"the end"


@pytest.mark.parametrize("coding", ALL)
def test_a_stream_is_encoded_part_by_part(serve_app: Any, coding: str) -> None:
    gate = Gate()
    app = App()

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        return StreamingResponse(gate.parts(), media_type="text/plain")

    app.add_middleware(CompressionMiddleware)
    with serve_app(app) as url:
        read_first_part_then_open(url + "/stream", gate, coding)


def test_a_starlette_stream_stays_live_through_the_asgi_face(serve_app: Any) -> None:
    gate = Gate()

    async def stream(request: StarletteRequest) -> StarletteStreaming:
        return StarletteStreaming(gate.parts(), media_type="text/plain")

    app = CompressionMiddleware(Starlette(routes=[Route("/stream", stream)]))
    with serve_app(app) as url:
        read_first_part_then_open(url + "/stream", gate, "br")


# -- Files --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "page.html"
    path.write_bytes(TEXT)
    return path


def file_app(page: Path, static_dir: Path, **options: Any) -> App:
    app = App()

    @app.get("/page")
    async def get_page() -> FileResponse:
        return FileResponse(page)

    app.mount("/static", StaticFiles(directory=static_dir))
    app.add_middleware(CompressionMiddleware, **options)
    return app


def test_a_file_response_is_encoded(serve_app: Any, page: Path, static_dir: Path) -> None:
    with serve_app(file_app(page, static_dir)) as url:
        answer, raw = raw_get(url + "/page", **{"accept-encoding": "gzip"})
        etag = answer.headers["etag"]
        ranged = HTTP.get(url + "/page", headers={"accept-encoding": "gzip", "range": "bytes=0-9"})
        cached = HTTP.get(url + "/page", headers={"accept-encoding": "gzip", "if-none-match": etag})
    assert answer.headers["content-encoding"] == "gzip" and etag.startswith('W/"')
    assert "accept-ranges" not in answer.headers
    assert decoded(answer, raw) == TEXT
    assert (ranged.status_code, ranged.content) == (206, TEXT[:10])
    assert "content-encoding" not in ranged.headers
    assert cached.status_code == 304


def test_static_files_keep_their_precompressed_answers(
    serve_app: Any, page: Path, static_dir: Path
) -> None:
    with serve_app(file_app(page, static_dir)) as url:
        answer, raw = raw_get(url + "/static/app.js", **{"accept-encoding": "br"})
    assert (answer.headers["content-encoding"], raw) == ("br", SCRIPT_BR)


def test_a_mounted_static_file_is_encoded(serve_app: Any, page: Path, static_dir: Path) -> None:
    big = static_dir / "compress-me.css"
    big.write_bytes(TEXT)
    with serve_app(file_app(page, static_dir)) as url:
        answer, raw = raw_get(url + "/static/compress-me.css", **{"accept-encoding": "zstd"})
    assert answer.headers["content-encoding"] == "zstd"
    assert decoded(answer, raw) == TEXT


def test_head_of_a_file_keeps_its_identity_headers(
    serve_app: Any, page: Path, static_dir: Path
) -> None:
    (static_dir / "compress-me.css").write_bytes(TEXT)
    with serve_app(file_app(page, static_dir, minimum_size=0)) as url:
        head = HTTP.head(url + "/static/compress-me.css", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in head.headers  # the file was not read: nothing to encode
    assert head.headers["content-length"] == str(len(TEXT))
    assert head.headers["vary"].lower() == "accept-encoding"


# -- Around other apps, and beside Starlette's GZipMiddleware ----------------------------------


def starlette_app() -> Starlette:
    async def items(request: StarletteRequest) -> StarletteJSON:
        return StarletteJSON(ITEMS)

    async def small(request: StarletteRequest) -> StarletteResponse:
        return StarletteResponse(b"tiny", media_type="text/plain")

    async def encoded(request: StarletteRequest) -> StarletteResponse:
        body = zlib.compress(TEXT, 6, 31)
        return StarletteResponse(
            body, headers={"content-encoding": "gzip"}, media_type="text/plain"
        )

    async def vary(request: StarletteRequest) -> StarletteResponse:
        return StarletteResponse(TEXT, headers={"vary": "Origin"}, media_type="text/html")

    async def stream(request: StarletteRequest) -> StarletteStreaming:
        return StarletteStreaming(_parts([TEXT[:400]] * 3), media_type="text/plain")

    routes = [Route("/items", items), Route("/small", small), Route("/encoded", encoded)]
    return Starlette(routes=[*routes, Route("/vary", vary), Route("/stream", stream)])


@pytest.fixture(scope="module")
def both_gzips() -> Iterator[tuple[str, str]]:
    """Squall's GZipMiddleware and Starlette's around the same Starlette app, on uvicorn."""
    from tests.framework.conftest import serve_with_uvicorn

    with (
        serve_with_uvicorn(GZipMiddleware(starlette_app())) as ours,
        serve_with_uvicorn(StarletteGZip(starlette_app())) as theirs,
    ):
        yield ours, theirs


@pytest.mark.parametrize("path", ["/items", "/small", "/encoded", "/vary", "/stream"])
@pytest.mark.parametrize("accept", ["gzip", "br, gzip;q=0.5", "identity", "br"])
def test_gzip_middleware_answers_as_starlettes(
    both_gzips: tuple[str, str], path: str, accept: str
) -> None:
    answers = [raw_get(url + path, **{"accept-encoding": accept}) for url in both_gzips]
    (ours, our_raw), (theirs, their_raw) = answers
    assert ours.status_code == theirs.status_code
    for name in ("content-encoding", "content-type"):
        assert ours.headers.get(name) == theirs.headers.get(name), name
    if "content-encoding" in ours.headers or path in ("/small", "/encoded"):
        assert ours.headers.get("vary") == theirs.headers.get("vary")
    else:  # unencoded for this client, encoded for others: only ours says Vary
        assert ours.headers["vary"].endswith("Accept-Encoding")
    assert decoded(ours, our_raw) == decoded(theirs, their_raw)
    for answer, raw in answers:
        length = answer.headers.get("content-length")
        assert length == (None if path == "/stream" else str(len(raw)))


def test_a_mounted_starlette_app_is_encoded(serve_app: Any) -> None:
    app = App()
    app.mount("/sub", starlette_app())
    app.add_middleware(CompressionMiddleware)
    with serve_app(app) as url:
        answer, raw = raw_get(url + "/sub/items", **{"accept-encoding": "br"})
    assert answer.headers["content-encoding"] == "br"
    assert json.loads(decoded(answer, raw)) == ITEMS


def test_websockets_pass_through_the_asgi_face() -> None:
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    from squall.testing import TestClient

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    app = CompressionMiddleware(Starlette(routes=[WebSocketRoute("/ws", echo)]))
    with (
        TestClient(app) as client,
        client.websocket_connect("/ws", headers={"accept-encoding": "gzip"}) as ws,
    ):
        ws.send_text("x" * 1000)
        assert ws.receive_text() == "x" * 1000
