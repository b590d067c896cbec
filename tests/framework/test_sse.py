"""Server-Sent Events over real sockets, on Squall's native path and under uvicorn: the
events' bytes, the headers, each event sent as it is produced (httpx and ``curl -N`` see it
while the generator waits), keep-alive pings while it is idle, the generator closed when the
client goes, and ``Last-Event-ID`` reaching the endpoint."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest

from squall import App, Header, Request
from squall.sse import (
    EventSourceResponse,
    JSONServerSentEvent,
    LastEventId,
    ServerSentEvent,
)
from squall.testing import TestClient
from tests.framework.static_tree import SERVERS, require, serving
from tests.server.serving import captured_errors, wait_until

EVENTS = (
    b"id: 1\r\nevent: greeting\r\ndata: hello\r\n\r\n"
    b"data: two\r\ndata: lines\r\n\r\n"
    b": a note\r\n: on two lines\r\n\r\n"
    b"id: 3\r\ndata: from a dict\r\nretry: 2500\r\n\r\n"
    b"data: a plain str\r\n\r\n"
    b"raw bytes: as they are\r\n\r\n"
    b'data: {"n":4,"items":[1,2]}\r\n\r\n'
)


class Stage:
    """What the test app's endpoints report to the test: generators closed, headers seen."""

    def __init__(self) -> None:
        self.closed: set[str] = set()
        self.started: set[str] = set()
        self.last_ids: list[tuple[str | None, str | None, str | None]] = []
        self.lock = threading.Lock()

    def note(self, into: set[str], name: str) -> None:
        with self.lock:
            into.add(name)


def sse_app(stage: Stage) -> App:
    app = App()

    @app.get("/events")
    async def events() -> EventSourceResponse:
        async def produce() -> AsyncIterator[Any]:
            yield ServerSentEvent("hello", event="greeting", id="1")
            yield ServerSentEvent("two\nlines")
            yield ServerSentEvent(comment="a note\r\non two lines")
            yield {"data": "from a dict", "id": "3", "retry": 2500}
            yield "a plain str"
            yield b"raw bytes: as they are\r\n\r\n"
            yield JSONServerSentEvent({"n": 4, "items": [1, 2]})

        return EventSourceResponse(produce(), headers={"x-extra": "1"})

    @app.get("/lf")
    def lf() -> EventSourceResponse:  # a sync generator: iterated in the thread pool
        return EventSourceResponse((f"n{n}" for n in range(3)), sep="\n")

    @app.get("/live/{name}")
    async def live(name: str, ping: float = 0, quiet: bool = False) -> EventSourceResponse:
        async def produce() -> AsyncIterator[ServerSentEvent]:
            stage.note(stage.started, name)
            try:
                if not quiet:
                    yield ServerSentEvent("first", id="1")
                await asyncio.sleep(3600)  # idle until the client goes
                yield ServerSentEvent("never")
            finally:
                stage.note(stage.closed, name)

        return EventSourceResponse(produce(), ping=ping)

    @app.get("/blocking/{name}")
    def blocking(name: str) -> EventSourceResponse:
        def produce() -> Iterator[str]:  # iterated in the thread pool
            try:
                while True:
                    yield "tick"
                    time.sleep(0.05)
            finally:
                stage.note(stage.closed, name)

        return EventSourceResponse(produce(), ping=None)

    @app.get("/fed/{name}")
    async def fed(name: str) -> EventSourceResponse:
        queue: asyncio.Queue[str] = asyncio.Queue()

        async def feed() -> None:  # returns: the stream goes on
            for word in ("a", "b", "c"):
                await queue.put(word)

        async def relay() -> AsyncIterator[str]:
            while True:
                yield await queue.get()

        async def on_close(message: dict[str, Any]) -> None:
            stage.note(stage.closed, f"{name}:{message['type']}")

        return EventSourceResponse(
            relay(), data_sender_callable=feed, client_close_handler_callable=on_close
        )

    @app.get("/pings")
    async def pings() -> EventSourceResponse:
        async def produce() -> AsyncIterator[str]:
            yield "before"
            await asyncio.sleep(0.35)
            yield "after"

        return EventSourceResponse(
            produce(),
            ping=0.1,
            ping_message_factory=lambda: ServerSentEvent(event="ping", data="{}"),
        )

    @app.get("/resume")
    async def resume(
        request: Request,
        last_event_id: LastEventId = None,
        plain: Annotated[str | None, Header(alias="last-event-id")] = None,
    ) -> EventSourceResponse:
        stage.last_ids.append((last_event_id, plain, request.headers.get("last-event-id")))
        start = int(last_event_id or 0) + 1
        stream = (ServerSentEvent(f"n{n}", id=str(n)) for n in range(start, start + 2))
        return EventSourceResponse(stream)

    @app.get("/flood/{name}")
    async def flood(name: str) -> EventSourceResponse:
        async def produce() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"data: " + b"x" * 65536 + b"\r\n\r\n"
            finally:
                stage.note(stage.closed, name)

        return EventSourceResponse(produce(), send_timeout=0.2)

    @app.get("/failing")
    async def failing() -> EventSourceResponse:
        async def produce() -> AsyncIterator[str]:
            yield "one"
            raise RuntimeError("the stream broke")

        return EventSourceResponse(produce())

    return app


@pytest.fixture(scope="module")
def stage() -> Stage:
    return Stage()


@pytest.fixture(scope="module", params=SERVERS)
def base(request: pytest.FixtureRequest, stage: Stage) -> Iterator[str]:
    with serving(request.param)(sse_app(stage)) as url:
        yield url


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


def read_until(stream: Iterator[bytes], marker: bytes) -> bytes:
    received = b""
    while marker not in received:
        received += next(stream)
    return received


def test_events_fields_and_headers(base: str) -> None:
    response = httpx.get(f"{base}/events", timeout=5)
    assert response.status_code == 200
    assert response.content == EVENTS
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["x-extra"] == "1"
    assert "content-length" not in response.headers


def test_head_sends_the_headers_only(base: str) -> None:
    response = httpx.head(f"{base}/events", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.content == b""


def test_through_http_middleware_in_process() -> None:
    app = App()

    @app.middleware("http")
    async def mark(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-seen"] = "1"
        return response

    @app.get("/three")
    async def three() -> EventSourceResponse:
        return EventSourceResponse({"data": n, "id": str(n)} for n in range(3))

    with TestClient(app) as client:
        response = client.get("/three")
    assert response.headers["x-seen"] == "1"
    assert (
        response.content
        == b"id: 0\r\ndata: 0\r\n\r\nid: 1\r\ndata: 1\r\n\r\nid: 2\r\ndata: 2\r\n\r\n"
    )


def test_a_sync_generator_and_lf_separators(base: str) -> None:
    assert httpx.get(f"{base}/lf", timeout=5).content == b"data: n0\n\ndata: n1\n\ndata: n2\n\n"


def test_an_event_is_sent_as_produced_and_the_generator_closes_when_the_client_goes(
    base: str, stage: Stage
) -> None:
    name = f"httpx-{port_of(base)}"
    with httpx.stream("GET", f"{base}/live/{name}", timeout=5) as response:
        chunks = response.iter_raw()  # held: dropping it would close the connection
        # The generator now waits an hour before its next event: this one came alone.
        assert read_until(chunks, b"\r\n\r\n") == b"id: 1\r\ndata: first\r\n\r\n"
        assert name not in stage.closed
    wait_until(lambda: name in stage.closed, "the generator to be closed", limit=5)


def test_curl_no_buffer_sees_the_first_event_then_its_exit_closes_the_generator(
    base: str, stage: Stage
) -> None:
    name = f"curl-{port_of(base)}"
    curl = subprocess.Popen(
        [require("curl"), "-sS", "-N", f"{base}/live/{name}"], stdout=subprocess.PIPE
    )
    try:
        assert curl.stdout is not None
        assert (
            curl.stdout.read(len(b"id: 1\r\ndata: first\r\n\r\n"))
            == b"id: 1\r\ndata: first\r\n\r\n"
        )
        assert name not in stage.closed
    finally:
        curl.kill()
        curl.wait(5)
    wait_until(lambda: name in stage.closed, "the generator to be closed", limit=5)


def test_a_sync_generator_is_closed_in_its_thread_when_the_client_goes(
    base: str, stage: Stage
) -> None:
    name = f"blocking-{port_of(base)}"
    with httpx.stream("GET", f"{base}/blocking/{name}", timeout=5) as response:
        chunks = response.iter_raw()
        assert read_until(chunks, b"\r\n\r\n").startswith(b"data: tick\r\n\r\n")
    wait_until(lambda: name in stage.closed, "the generator to be closed", limit=5)


def test_a_data_sender_feeds_the_stream_and_a_close_handler_hears_the_disconnect(
    base: str, stage: Stage
) -> None:
    name = f"fed-{port_of(base)}"
    with httpx.stream("GET", f"{base}/fed/{name}", timeout=5) as response:
        chunks = response.iter_raw()
        received = read_until(chunks, b"data: c\r\n\r\n")
    assert received == b"data: a\r\n\r\ndata: b\r\n\r\ndata: c\r\n\r\n"
    wait_until(lambda: f"{name}:http.disconnect" in stage.closed, "the close handler", limit=5)


def test_pings_while_the_generator_is_idle(base: str) -> None:
    with httpx.stream(
        "GET", f"{base}/live/pinged-{port_of(base)}?ping=0.05", timeout=5
    ) as response:
        chunks = response.iter_raw()
        received = read_until(chunks, b": ping ")
        if received.count(b"\r\n\r\n") < 2:
            received += read_until(chunks, b"\r\n\r\n")
    first, ping, *_ = received.split(b"\r\n\r\n")
    assert first == b"id: 1\r\ndata: first"
    assert ping.startswith(b": ping ") and b"T" in ping  # : ping 2026-...T...+00:00


def test_the_head_and_pings_go_out_before_any_event(base: str) -> None:
    url = f"{base}/live/quiet-{port_of(base)}?ping=0.05&quiet=true"
    with httpx.stream("GET", url, timeout=5) as response:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        chunks = response.iter_raw()
        received = read_until(chunks, b"\r\n\r\n")
    assert received.startswith(b": ping ") and b"data:" not in received


def test_a_ping_factory_and_no_ping_once_the_generator_is_busy_again(base: str) -> None:
    events = httpx.get(f"{base}/pings", timeout=5).content.split(b"\r\n\r\n")
    assert events[0] == b"data: before" and events[-2:] == [b"data: after", b""]
    pings = events[1:-2]
    assert 1 <= len(pings) <= 4, events  # 3 on time; a loaded machine may delay one
    assert set(pings) == {b"event: ping\r\ndata: {}"}


def test_a_client_that_stops_reading_hits_the_send_timeout(
    base: str, stage: Stage, request: pytest.FixtureRequest
) -> None:
    native = request.node.callspec.params["base"] == "squall-native"
    name = f"flood-{port_of(base)}"
    host, port = base.removeprefix("http://").split(":")
    with captured_errors() as errors, socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        sock.connect((host, int(port)))
        sock.sendall(f"GET /flood/{name} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        wait_until(lambda: name in stage.closed, "the send timeout to end the stream", 10)
        if native:  # Squall logs the app's error (uvicorn logs it on its own loggers)
            wait_until(lambda: errors.records, "the error's log")
    if native:
        assert "SendTimeoutError" in errors.tracebacks()


def test_last_event_id_reaches_the_endpoint(base: str, stage: Stage) -> None:
    fresh = httpx.get(f"{base}/resume", timeout=5)
    assert fresh.content == b"id: 1\r\ndata: n1\r\n\r\nid: 2\r\ndata: n2\r\n\r\n"
    resumed = httpx.get(f"{base}/resume", headers={"Last-Event-ID": "7"}, timeout=5)
    assert resumed.content == b"id: 8\r\ndata: n8\r\n\r\nid: 9\r\ndata: n9\r\n\r\n"
    assert stage.last_ids[-2:] == [(None, None, None), ("7", "7", "7")]


def test_a_failing_generator_cuts_the_stream_short(base: str) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{base}/failing", timeout=5)


def test_as_a_plain_asgi_app_under_uvicorn(tmp_path: Path) -> None:
    from tests.framework.conftest import serve_with_uvicorn

    closed = threading.Event()

    async def produce() -> AsyncIterator[str]:
        try:
            yield "one"
            await asyncio.sleep(3600)
        finally:
            closed.set()

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await EventSourceResponse(produce(), ping=None)(scope, receive, send)

    with serve_with_uvicorn(asgi, lifespan="off") as url:
        with httpx.stream("GET", url, timeout=5) as response:
            assert read_until(response.iter_raw(), b"\r\n\r\n") == b"data: one\r\n\r\n"
        wait_until(closed.is_set, "the generator to be closed")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"id": "1\n2"}, ValueError),
        ({"id": "1\r"}, ValueError),
        ({"id": "a\0b"}, ValueError),
        ({"event": "tick\ndata: injected"}, ValueError),
        ({"retry": "1000"}, TypeError),
        ({"retry": -1}, TypeError),
        ({"sep": "\n\n"}, ValueError),
    ],
)
def test_fields_that_would_break_the_stream_are_refused(
    fields: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        ServerSentEvent("x", **fields)


def test_encoding_rules() -> None:
    assert (
        ServerSentEvent("a\r\nb\rc\nd").encode()
        == b"data: a\r\ndata: b\r\ndata: c\r\ndata: d\r\n\r\n"
    )
    assert ServerSentEvent(" spaced", sep="\n").encode("\r\n") == b"data:  spaced\n\n"
    assert ServerSentEvent("").encode() == b"data: \r\n\r\n"
    assert ServerSentEvent(b"caf\xc3\xa9", id="").encode() == "id: \r\ndata: café\r\n\r\n".encode()
    assert ServerSentEvent(comment="").encode("\n") == b": \n\n"
    with pytest.raises(ValueError):
        EventSourceResponse(iter(()), ping=-1)
