"""Work after the response, and reverse routing, written the FastAPI way:
``Response(background=BackgroundTask(...))``, ``request.url_for(...)``, ``app.url_path_for``."""

from __future__ import annotations

import threading

import pytest

from squall import App, BackgroundTasks, Request, Router
from squall.background import BackgroundTask
from squall.responses import JSONResponse, Response
from squall.reverse import NoMatchFound
from tests.compat.conftest import ClientFor


def _log_app(count: int) -> tuple[App, list[str], threading.Event]:
    """An app whose responses carry background tasks; ``done`` once ``count`` have run."""
    app = App()
    log: list[str] = []
    done = threading.Event()

    async def record(what: str) -> None:
        log.append(what)
        if len(log) == count:
            done.set()

    @app.get("/plain")  # served on the native path's direct route (async, no parameters)
    async def plain() -> Response:
        return Response("sent", background=BackgroundTask(record, "plain"))

    @app.get("/json/{n}")
    async def with_json(n: int) -> JSONResponse:
        return JSONResponse({"n": n}, background=BackgroundTask(record, what=f"json {n}"))

    @app.get("/tasks")
    async def with_tasks() -> JSONResponse:
        tasks = BackgroundTasks()
        tasks.add_task(record, "first")
        tasks.add_task(record, "second")
        return JSONResponse({"ok": True}, background=tasks)

    return app, log, done


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/plain", ["plain"]), ("/json/3", ["json 3"]), ("/tasks", ["first", "second"])],
)
def test_response_background_runs_after_sending(
    client_for: ClientFor, path: str, expected: list[str]
) -> None:
    app, log, done = _log_app(len(expected))
    client = client_for(app)
    response = client.get(path)
    assert response.status_code == 200
    assert done.wait(5)
    assert log == expected


def test_url_for_and_url_path_for(client_for: ClientFor) -> None:
    app = App()
    router = Router()

    @router.get("/items/{item_id}", name="read_item")
    async def read_item_endpoint(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    @app.get("/links/{item_id}")
    async def links(item_id: int, request: Request) -> dict[str, str]:
        return {
            "item": str(request.url_for("read_item", item_id=item_id)),
            "links": str(request.url_for("links", item_id=item_id)),
        }

    app.include_router(router, prefix="/api")
    assert app.url_path_for("read_item", item_id=5) == "/api/items/5"
    with pytest.raises(NoMatchFound):
        app.url_path_for("read_item")
    with pytest.raises(NoMatchFound):
        app.url_path_for("nothing")
    client = client_for(app)
    body = client.get("/links/7").json()
    origin = str(client.base_url).rstrip("/")
    assert body == {"item": f"{origin}/api/items/7", "links": f"{origin}/links/7"}


def test_url_for_includes_the_root_path() -> None:
    from squall.testing import TestClient

    app = App(root_path="/v1")

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, request: Request) -> str:
        return str(request.url_for("read_item", item_id=item_id))

    with TestClient(app) as client:
        assert client.get("/items/2").json() == "http://testserver/v1/items/2"


def test_a_middlewares_own_response_runs_its_background_too(client_for: ClientFor) -> None:
    app, log, _ = _log_app(2)
    finished = threading.Event()

    async def note() -> None:
        log.append("middleware")
        finished.set()

    @app.middleware("http")
    async def replace(request: Request, call_next: object) -> Response:
        inner = await call_next(request)  # type: ignore[operator]
        return JSONResponse({"wrapped": inner.status_code}, background=BackgroundTask(note))

    client = client_for(app)
    response = client.get("/tasks")
    assert response.json() == {"wrapped": 200}
    assert finished.wait(5)
    assert log == ["first", "second", "middleware"]
