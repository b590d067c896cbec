"""squall.testing.TestClient: in-process requests, lifespan on enter/exit, overrides."""

from typing import Annotated

import msgspec

from squall import App, Depends
from squall.testing import TestClient


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
