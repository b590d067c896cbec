"""FastAPI-style code, run both ways an App is served.

``client_for(app)`` opens the app with the in-process ``TestClient`` (the ASGI path) or on
Squall's server with a real HTTP client (the native path), and returns an httpx-style client:
each compatibility test is written once, the way a FastAPI user writes it, and runs on both.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from squall.testing import TestClient
from tests.server.serving import serve

ClientFor = Callable[[Any], Any]


@pytest.fixture(params=["testclient", "squall-server"])
def client_for(request: pytest.FixtureRequest) -> Iterator[ClientFor]:
    with contextlib.ExitStack() as stack:

        def open_client(app: Any, **testclient_options: Any) -> Any:
            """``testclient_options`` go to TestClient (e.g. raise_server_exceptions=False)."""
            if request.param == "testclient":
                return stack.enter_context(TestClient(app, **testclient_options))
            running = stack.enter_context(serve(app))
            return stack.enter_context(httpx.Client(base_url=running.url, timeout=10))

        yield open_client
