"""squall.testing.TestClient: in-process requests, lifespan on enter/exit, overrides."""

import threading
import time
from collections.abc import Callable
from typing import Annotated

import msgspec
import pytest

from squall import App, Depends
from squall.testing import LifespanError, TestClient


class User(msgspec.Struct):
    id: int
    name: str


def make_app(events: list[str]) -> App:
    app = App()

    def database() -> str:
        return "real database"

    @app.on_startup
    async def started() -> None:
        events.append("startup")

    @app.on_shutdown
    def stopped() -> None:
        events.append("shutdown")

    @app.post("/users", status_code=201)
    async def create(user: User, db: Annotated[str, Depends(database)]) -> dict[str, str]:
        return {"name": user.name, "db": db}

    app.state_database = database  # type: ignore[attr-defined]
    return app


def test_requests_and_lifespan_in_process() -> None:
    events: list[str] = []
    app = make_app(events)
    with TestClient(app) as client:
        assert events == ["startup"]
        response = client.post("/users", json={"id": 1, "name": "ann"})
        assert response.status_code == 201
        assert response.json() == {"name": "ann", "db": "real database"}
        assert client.post("/users", json={"id": "x"}).status_code == 422
        assert client.get("/missing").status_code == 404
    assert events == ["startup", "shutdown"]


def test_dependency_overrides_in_tests() -> None:
    app = make_app([])
    app.dependency_overrides[app.state_database] = lambda: "test database"  # type: ignore[attr-defined]
    with TestClient(app) as client:
        assert client.post("/users", json={"id": 1, "name": "b"}).json()["db"] == "test database"


def test_without_a_with_block_requests_still_work() -> None:
    client = TestClient(make_app([]))
    try:
        assert client.post("/users", json={"id": 1, "name": "c"}).status_code == 201
    finally:
        client.close()


# -- The loop thread and lifespan failures ----------------------------------------------------


def bounded(action: Callable[[], object], limit: float = 5.0) -> BaseException | None:
    """Run ``action`` in a thread; fail the test if it is still running after ``limit``.

    Returns what it raised (None if nothing), so a hang fails instead of blocking the run.
    """
    raised: list[BaseException] = []

    def target() -> None:
        try:
            action()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(f"still running after {limit} s")
    return raised[0] if raised else None


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "squall-testclient-loop"]


def test_the_loop_thread_is_joined_when_the_block_exits() -> None:
    before = set(threading.enumerate())
    with TestClient(make_app([])) as client:
        assert client.post("/users", json={"id": 1, "name": "d"}).status_code == 201
        assert len(loop_threads()) == 1
    assert loop_threads() == []
    # Nothing of the client's still runs.  The app's endpoint pool (its def dependency ran
    # there) is shut down without waiting, by design: its idle thread may take a moment.
    new = set(threading.enumerate()) - before
    assert {t for t in new if not t.name.startswith("squall-endpoint")} == set()


def test_close_joins_the_loop_thread_without_a_block() -> None:
    client = TestClient(make_app([]))
    assert client.get("/missing").status_code == 404
    assert len(loop_threads()) == 1
    client.close()
    assert loop_threads() == []


def app_with_hooks(startup: Callable[[], None], shutdown: Callable[[], None]) -> App:
    app = App()
    app.on_startup(startup)
    app.on_shutdown(shutdown)
    return app


def fail(message: str) -> Callable[[], None]:
    def hook() -> None:
        raise ValueError(message)

    return hook


def test_a_failing_startup_hook_raises_out_of_enter() -> None:
    events: list[str] = []
    app = app_with_hooks(fail("no database"), lambda: events.append("shutdown"))

    def enter() -> None:
        with TestClient(app):
            events.append("body ran")

    raised = bounded(enter)
    assert isinstance(raised, LifespanError)
    assert "startup failed" in str(raised) and "no database" in str(raised)
    assert events == []
    assert loop_threads() == []


def test_a_raw_app_raising_in_startup_raises_that_exception_promptly() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        await receive()
        raise KeyError("config missing")

    def enter() -> None:
        with TestClient(app):
            pass

    started = time.monotonic()
    raised = bounded(enter)
    assert isinstance(raised, KeyError) and raised.args == ("config missing",)
    assert time.monotonic() - started < 2
    assert loop_threads() == []


def test_startup_failed_from_a_raw_app_carries_its_message() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "port in use"})

    def enter() -> None:
        with TestClient(app):
            pass

    raised = bounded(enter)
    assert isinstance(raised, LifespanError) and "port in use" in str(raised)


def test_a_failing_shutdown_hook_raises_out_of_exit() -> None:
    app = app_with_hooks(lambda: None, fail("flush failed"))
    entered: list[bool] = []

    def block() -> None:
        with TestClient(app) as client:
            entered.append(True)
            assert client.get("/missing").status_code == 404

    raised = bounded(block)
    assert entered == [True]
    assert isinstance(raised, LifespanError)
    assert "shutdown failed" in str(raised) and "flush failed" in str(raised)
    assert loop_threads() == []


def test_a_raw_app_raising_in_shutdown_raises_that_exception() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            raise OSError("disk gone")

    def block() -> None:
        with TestClient(app):
            pass

    raised = bounded(block)
    assert isinstance(raised, OSError) and "disk gone" in str(raised)
    assert loop_threads() == []


def test_an_app_without_lifespan_support_still_works_in_a_block() -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return  # returns without answering: lifespan is not supported
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def block() -> None:
        with TestClient(app) as client:
            assert client.get("/").text == "ok"

    assert bounded(block) is None
    assert loop_threads() == []
