"""Run framework apps behind a real server: Squall's (native path) or uvicorn (ASGI path)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.server.serving import TEST_LOOP, bound_socket, join_all, serve, wait_until


@contextlib.contextmanager
def serve_with_uvicorn(app: Any, **options: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread; ``options`` go to ``uvicorn.Config``."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    options.setdefault("lifespan", "on")
    config = uvicorn.Config(app, log_level="warning", loop=TEST_LOOP, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), "uvicorn to start", limit=10)
    if not server.started:
        raise RuntimeError("uvicorn did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            join_all([thread], limit=10)
        finally:
            sock.close()


@contextlib.contextmanager
def serve_with_squall(app: Any) -> Iterator[str]:
    with serve(app) as running:
        yield running.url


@pytest.fixture(params=["squall-native", "uvicorn-asgi"])
def serve_app(request: pytest.FixtureRequest) -> Callable[[Any], Any]:
    """Both ways an App runs; every behaviour test runs on each."""
    return serve_with_squall if request.param == "squall-native" else serve_with_uvicorn


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static files' test tree (``static_tree.make_tree``), built once per module."""
    from tests.framework.static_tree import make_tree  # it imports this module

    return make_tree(tmp_path_factory.mktemp("tree"))
