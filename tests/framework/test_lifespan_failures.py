"""A failing startup or shutdown step: reported with its traceback, and the rest still runs."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import pytest

from squall import App, Depends
from squall.testing import TestClient
from tests.server.serving import captured_errors, serve


def build_app(log: list[str], fail_at: str) -> App:
    """An app with every kind of lifespan step; the one named ``fail_at`` raises."""

    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[None]:
        log.append("context enter")
        try:
            yield
        finally:
            log.append("context exit")

    async def engine() -> AsyncIterator[str]:
        yield "engine"
        log.append("engine closed")

    app = App(lifespan=lifespan)

    @app.get("/")
    async def root(db: Annotated[str, Depends(engine, scope="app")]) -> str:
        return db

    @app.on_startup
    def connect() -> None:
        log.append("startup hook")
        if fail_at == "startup":
            raise ValueError("no database url")

    @app.on_shutdown
    def flush() -> None:
        log.append("first shutdown hook")
        if fail_at == "shutdown":
            raise OSError("disk full")

    @app.on_shutdown
    async def goodbye() -> None:
        log.append("second shutdown hook")

    return app


def thread_pool_stopped(app: App) -> bool:
    try:
        app.threads.submit(print).cancel()
    except RuntimeError:
        return True
    return False


def test_a_failing_shutdown_hook_skips_no_other_step() -> None:
    log: list[str] = []
    app = build_app(log, fail_at="shutdown")
    with captured_errors() as errors:
        with serve(app) as running:
            assert httpx.get(running.url).json() == "engine"
        assert log == [
            "context enter",
            "startup hook",
            "first shutdown hook",
            "second shutdown hook",
            "context exit",
            "engine closed",
        ]
        assert thread_pool_stopped(app)
    assert "OSError: disk full" in errors.tracebacks()
    assert "lifespan shutdown failed: shutdown hook " in errors.messages()
    assert "flush: OSError: disk full" in errors.messages()


def test_the_shutdown_failure_is_reported_to_any_server() -> None:
    failure = r"shutdown failed: .*flush: OSError: disk full"
    with pytest.raises(RuntimeError, match=failure), TestClient(build_app([], "shutdown")):
        pass


def test_a_failing_startup_is_logged_with_its_traceback_and_undone() -> None:
    log: list[str] = []
    app = build_app(log, fail_at="startup")
    with (
        captured_errors() as errors,
        pytest.raises(RuntimeError, match="startup failed: ValueError: no database url"),
        TestClient(app),
    ):
        pass
    assert "ValueError: no database url" in errors.tracebacks()
    assert 'in connect\n    raise ValueError("no database url")' in errors.tracebacks()
    # What startup made is released; the shutdown hooks pair with a startup that completed.
    assert log == ["context enter", "startup hook", "context exit", "engine closed"]
    assert thread_pool_stopped(app)
