"""The ASGI ``http.response.trailers`` extension over HTTP/2, with the raw h2 client and curl:
trailer fields in a last HEADERS frame with END_STREAM, after a body the windows held back."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from tests.server.http2 import require_h2

require_h2()

from tests.server.http2.h2client import RawH2  # noqa: E402
from tests.server.http2.test_clients import curl  # noqa: E402
from tests.server.serving import captured_errors, serve  # noqa: E402

BODY = b"x" * 5000


async def trailers_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Sends BODY in two parts, then its digest as trailers (/none: announces and sends none;
    /http1: the extension, asked for over HTTP/1.1)."""
    if scope["type"] == "lifespan":
        return
    path = scope["path"]
    offered = "http.response.trailers" in scope["extensions"]
    headers = [(b"x-offered", b"yes" if offered else b"no")]
    await send({"type": "http.response.start", "status": 200, "headers": headers, "trailers": True})
    await send({"type": "http.response.body", "body": BODY[:1000], "more_body": True})
    await send({"type": "http.response.body", "body": BODY[1000:]})
    if path == "/none":
        return
    digest = hashlib.sha256(BODY).hexdigest().encode()
    await send(
        {
            "type": "http.response.trailers",
            "headers": [(b"X-Digest", digest), (b"content-length", b"1")],
            "more_trailers": True,
        }
    )
    await send({"type": "http.response.trailers", "headers": [(b"x-status", b"0")]})


DIGEST = hashlib.sha256(BODY).hexdigest().encode()


def test_trailers_end_the_stream_after_the_body() -> None:
    with serve(trailers_app) as running:
        client = RawH2(running)
        stream = client.request("/")
        client.read(lambda: client.done(stream))
        log = client.streams[stream]
        assert (b"x-offered", b"yes") in log.headers
        assert bytes(log.data) == BODY and log.ended and log.reset is None
        assert log.trailers == [(b"x-digest", DIGEST), (b"x-status", b"0")]  # no content-length
        client.close()


def test_trailers_wait_for_a_body_held_back_by_the_window() -> None:
    with serve(trailers_app) as running:
        client = RawH2(running, window=1500, ack_data=False)
        stream = client.request("/")
        log = client.streams[stream]
        client.read(lambda: len(log.data) == 1500)
        client.quiet_for(0.1)
        assert not log.trailers and not log.ended  # the trailers wait behind the body
        client.ack_data = True
        client.h2.increment_flow_control_window(10000, stream_id=stream)
        client.flush()
        client.read(lambda: client.done(stream))
        assert bytes(log.data) == BODY
        assert log.trailers == [(b"x-digest", DIGEST), (b"x-status", b"0")]
        client.close()


def test_an_app_that_ends_without_its_trailers_has_its_stream_reset() -> None:
    with captured_errors(logging.WARNING) as errors, serve(trailers_app) as running:
        client = RawH2(running)
        stream = client.request("/none")
        client.read(lambda: client.done(stream))
        assert client.streams[stream].reset == 2  # INTERNAL_ERROR
        after = client.request("/")  # the connection lives on
        client.read(lambda: client.done(after))
        assert client.streams[after].trailers
        client.close()
    assert "without the trailers it announced" in errors.messages()


def test_curl_shows_the_trailers() -> None:
    with serve(trailers_app) as running:
        out = curl("--http2-prior-knowledge", "-D", "-", "-o", "/dev/null", f"{running.url}/")
    assert f"x-digest: {DIGEST.decode()}" in out
    assert "x-status: 0" in out


def test_http1_does_not_offer_trailers() -> None:
    with captured_errors() as errors, serve(trailers_app) as running:
        out = curl("--http1.1", "-D", "-", "-o", "/dev/null", f"{running.url}/http1")
    assert "x-offered: no" in out
    assert "offered over HTTP/2 only" in errors.messages()
