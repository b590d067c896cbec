"""Generator dependencies as FastAPI runs them: they see the endpoint's exception, close
before the response with ``scope="function"``, and ``def`` code keeps the request's context
and runs in the thread pool.

No ``from __future__ import annotations``: the dependencies are local functions.
"""

import contextvars
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

from squall import App, Depends, HTTPException, Request
from squall.dependants import DependencyScopeError
from tests.compat.conftest import ClientFor


def test_generator_dependencies_see_the_endpoints_exception(client_for: ClientFor) -> None:
    log: list[str] = []
    app = App()

    async def session() -> AsyncIterator[str]:
        try:
            yield "session"
        except Exception as exc:
            log.append(f"rollback after {type(exc).__name__}")
            raise
        else:
            log.append("commit")

    def sync_session() -> Iterator[str]:
        try:
            yield "sync session"
        except HTTPException as exc:
            log.append(f"sync rollback after {exc.status_code}")
            raise

    def translated() -> Iterator[None]:
        try:
            yield
        except KeyError:
            raise HTTPException(409, "conflict") from None

    def swallowing() -> Iterator[None]:
        try:
            yield
        except Exception:
            log.append("swallowed")

    @app.get("/ok")
    async def ok(db: Annotated[str, Depends(session)]) -> str:
        return db

    @app.get("/crash")
    async def crash(db: Annotated[str, Depends(session)]) -> str:
        raise ValueError("boom")

    @app.get("/missing")
    def missing(
        db: Annotated[str, Depends(session)], sync: Annotated[str, Depends(sync_session)]
    ) -> str:
        raise HTTPException(404, "no such item")

    @app.get("/conflict", dependencies=[Depends(translated)])
    async def conflict() -> str:
        raise KeyError("taken")

    @app.get("/swallow", dependencies=[Depends(swallowing)])
    async def swallow() -> str:
        raise ValueError("lost")

    client = client_for(app, raise_server_exceptions=False)  # the 500s are the point here
    assert client.get("/crash").status_code == 500
    assert log == ["rollback after ValueError"]  # closed before the error response
    log.clear()
    missing_response = client.get("/missing")
    assert (missing_response.status_code, missing_response.json()) == (
        404,
        {"detail": "no such item"},
    )
    assert log == ["sync rollback after 404", "rollback after HTTPException"]  # newest first
    assert client.get("/conflict").json() == {"detail": "conflict"}
    log.clear()
    assert client.get("/swallow").status_code == 500  # no response can come from a lost error
    assert log == ["swallowed"]


def test_function_scope_closes_before_the_response(client_for: ClientFor) -> None:
    log: list[str] = []
    app = App()

    async def connection() -> AsyncIterator[str]:
        log.append("open")
        yield "conn"
        log.append("closed")

    async def checked() -> AsyncIterator[None]:
        yield
        raise HTTPException(418, "raised after yield")

    @app.get("/conn")
    async def conn(c: Annotated[str, Depends(connection, scope="function")]) -> list[str]:
        log.append("endpoint")
        return log

    @app.get("/checked")
    async def check(_: Annotated[None, Depends(checked, scope="function")]) -> str:
        return "ok"

    client = client_for(app)
    response = client.get("/conn")
    assert response.json() == ["open", "endpoint"]
    assert log == ["open", "endpoint", "closed"]  # already closed when the response arrives
    after = client.get("/checked")
    assert (after.status_code, after.json()) == (418, {"detail": "raised after yield"})


def test_request_scope_cannot_depend_on_function_scope() -> None:
    def connection() -> Iterator[str]:
        yield "conn"

    def transaction(c: Annotated[str, Depends(connection, scope="function")]) -> Iterator[str]:
        yield c

    app = App()
    with pytest.raises(DependencyScopeError, match='scope is "function"'):

        @app.get("/")
        async def endpoint(t: Annotated[str, Depends(transaction)]) -> str:
            return t


request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


def test_def_code_keeps_the_context_and_runs_in_the_thread_pool(client_for: ClientFor) -> None:
    app = App()
    threads: dict[str, int] = {}

    @app.middleware("http")
    async def tag_request(request: Request, call_next: Any) -> Any:
        request_id.set(request.headers.get("x-request-id", "none"))
        return await call_next(request)

    async def loop_thread() -> int:
        return threading.get_ident()

    def sync_generator() -> Iterator[str]:
        threads["setup"] = threading.get_ident()
        yield request_id.get()
        threads["teardown"] = threading.get_ident()

    def sync_dependency() -> str:
        return request_id.get()

    @app.get("/id")
    def read_id(
        loop: Annotated[int, Depends(loop_thread)],
        from_generator: Annotated[str, Depends(sync_generator, scope="function")],
        from_dependency: Annotated[str, Depends(sync_dependency)],
    ) -> list[str]:
        threads["loop"] = loop
        return [request_id.get(), from_generator, from_dependency]

    client = client_for(app)
    assert client.get("/id", headers={"x-request-id": "r-1"}).json() == ["r-1", "r-1", "r-1"]
    assert threads["setup"] != threads["loop"]
    assert threads["teardown"] != threads["loop"]
