"""Run framework apps behind a real server: Squall's (native path) or uvicorn (ASGI path)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from tests.server.serving import bound_socket, serve


@contextlib.contextmanager
def serve_with_uvicorn(app: Any) -> Iterator[str]:
    sock = bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def serve_with_squall(app: Any) -> Iterator[str]:
    with serve(app) as running:
        yield running.url


@pytest.fixture(params=["squall-native", "uvicorn-asgi"])
def serve_app(request: pytest.FixtureRequest) -> Callable[[Any], Any]:
    """Both ways an App runs; every behaviour test runs on each."""
    return serve_with_squall if request.param == "squall-native" else serve_with_uvicorn
