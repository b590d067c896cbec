"""An App started, stopped and started again (a second server or TestClient in one process,
as test suites do) still runs its sync endpoints and dependencies: its thread pool is not the
one the first shutdown stopped."""

from __future__ import annotations

from typing import Annotated

import httpx

from squall import App, Depends
from squall.testing import TestClient
from tests.server.serving import captured_errors, serve


def user() -> str:
    return "ann"


def sync_app() -> App:
    app = App()

    @app.get("/hello")
    def hello(name: Annotated[str, Depends(user)]) -> dict[str, str]:
        return {"hello": name}

    return app


def test_a_sync_endpoint_answers_on_a_second_server() -> None:
    app = sync_app()
    with captured_errors() as errors:
        for _ in range(2):
            with serve(app) as running:
                answer = httpx.get(f"{running.url}/hello", timeout=5)
                assert (answer.status_code, answer.json()) == (200, {"hello": "ann"})
    assert errors.messages() == ""


def test_a_sync_endpoint_answers_in_a_second_testclient() -> None:
    app = sync_app()
    for _ in range(2):
        with TestClient(app) as client:
            assert client.get("/hello").json() == {"hello": "ann"}
