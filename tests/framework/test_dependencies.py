"""Depends (nested, cached, generators, app scope, overrides) and background tasks.

No ``from __future__ import annotations`` here: the dependencies are local functions, and
string annotations could not name them.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import httpx

from squall import App, BackgroundTasks, Depends, Header, HTTPException
from tests.server.serving import wait_until


def build_app(log: list[str]) -> App:
    app = App()
    calls = {"settings": 0, "pool": 0}

    def settings() -> dict[str, str]:  # a def dependency: runs in the thread pool
        calls["settings"] += 1
        return {"greeting": "hello"}

    async def pool() -> AsyncIterator[str]:
        calls["pool"] += 1
        yield f"pool#{calls['pool']}"
        log.append("pool closed")

    async def current_user(token: Annotated[str, Header(alias="x-token")]) -> str:
        if token != "secret":
            raise HTTPException(401, "bad token")
        return "alice"

    def session(user: Annotated[str, Depends(current_user)]) -> Iterator[str]:
        log.append(f"open session for {user}")
        yield f"session({user})"
        log.append("close session")

    @app.get("/greet")
    async def greet(
        conf: Annotated[dict[str, str], Depends(settings)],
        again: Annotated[dict[str, str], Depends(settings)],
        shared: Annotated[str, Depends(pool, scope="app")],
    ) -> dict[str, Any]:
        return {
            "greeting": conf["greeting"],
            "same": conf is again,
            "pool": shared,
            "calls": calls["settings"],
        }

    @app.get("/me")
    async def me(sess: Annotated[str, Depends(session)], user: str = Depends(current_user)) -> str:
        log.append("endpoint ran")
        return f"{sess} {user}"

    @app.post("/signup", status_code=202)
    async def signup(email: str, tasks: BackgroundTasks) -> str:
        tasks.add_task(log.append, f"welcome mail to {email}")
        return "accepted"

    return app


def wait_for(log: list[str], entry: str) -> None:
    wait_until(lambda: entry in log, repr(entry))  # raises if it never comes


def test_dependencies_are_cached_per_request_and_app_scoped_once(serve_app) -> None:  # type: ignore[no-untyped-def]
    log: list[str] = []
    app = build_app(log)
    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        first = client.get("/greet").json()
        second = client.get("/greet").json()
    assert first == {"greeting": "hello", "same": True, "pool": "pool#1", "calls": 1}
    assert second["calls"] == 2  # once per request, not once per parameter
    assert second["pool"] == "pool#1"  # the app-scoped one is made once
    assert log == ["pool closed"]  # ...and closed at shutdown


def test_nested_generator_dependencies_close_after_the_response(serve_app) -> None:  # type: ignore[no-untyped-def]
    log: list[str] = []
    with serve_app(build_app(log)) as url, httpx.Client(base_url=url) as client:
        response = client.get("/me", headers={"X-Token": "secret"})
        assert response.json() == "session(alice) alice"
        wait_for(log, "close session")
        assert log == ["open session for alice", "endpoint ran", "close session"]
        denied = client.get("/me", headers={"X-Token": "nope"})
        assert (denied.status_code, denied.json()) == (401, {"detail": "bad token"})
        missing = client.get("/me")
        assert missing.status_code == 422
        assert missing.json()["detail"][0]["loc"] == ["header", "x-token"]


def test_overrides_replace_a_dependency(serve_app) -> None:  # type: ignore[no-untyped-def]
    log: list[str] = []
    app = build_app(log)
    route = app.router.match("GET", "/me").target
    assert route is not None
    current_user = next(e.depends.dependency for e in route.extractors if e.name == "user")  # type: ignore[union-attr]

    async def fake_user() -> str:
        return "tester"

    app.dependency_overrides[current_user] = fake_user
    with serve_app(app) as url:
        assert httpx.get(url + "/me").json() == "session(tester) tester"


def test_background_tasks_run_after_the_response(serve_app) -> None:  # type: ignore[no-untyped-def]
    log: list[str] = []
    with serve_app(build_app(log)) as url:
        response = httpx.post(url + "/signup?email=a@b.c")
        assert (response.status_code, response.json()) == (202, "accepted")
        wait_for(log, "welcome mail to a@b.c")
    assert log[0] == "welcome mail to a@b.c"


def test_app_scoped_dependencies_are_created_at_startup() -> None:
    from squall.testing import TestClient

    made: list[str] = []

    async def engine() -> AsyncIterator[str]:
        made.append("engine")
        yield "engine"
        made.append("engine closed")

    async def repository(db: Annotated[str, Depends(engine, scope="app")]) -> str:
        return f"repo on {db}"

    app = App()

    @app.get("/repo")
    async def read(repo: Annotated[str, Depends(repository, scope="app")]) -> str:
        return repo

    with TestClient(app) as client:
        assert made == ["engine"]  # before any request
        assert client.get("/repo").json() == "repo on engine"
        assert client.get("/repo").json() == "repo on engine"
        assert made == ["engine"]  # made once
    assert made == ["engine", "engine closed"]
