"""The store example (examples/store) and its FastAPI twin (examples/store_fastapi), each on
Squall's server over a real socket; ``store`` gives an httpx client of one or the other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from examples.store.data import STORE
from tests.examples.extras import needs
from tests.server.serving import serve


def store_app(kind: str) -> Any:
    if kind == "squall":
        from examples.store.app import app

        return app
    needs("fastapi")
    from examples.store_fastapi.app import app as fastapi_app

    return fastapi_app


@pytest.fixture(scope="module", params=["squall", "fastapi"])
def store_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a server running the store (the Squall app, then the FastAPI twin)."""
    with serve(store_app(request.param)) as running:
        yield running.url


@pytest.fixture
def store(store_server: str) -> Iterator[httpx.Client]:
    """A client of the store, its data back to the seed."""
    STORE.reset()
    with httpx.Client(base_url=store_server, timeout=10) as client:
        yield client
