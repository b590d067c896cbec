"""Body parameters declared by dependencies: read from the same body as the endpoint's
(FastAPI's rule: one body parameter in the whole tree is the body; several are keys)."""

from __future__ import annotations

import msgspec
import pydantic

from squall import App, Depends
from tests.compat.conftest import ClientFor


class Item(msgspec.Struct):
    name: str


class User(pydantic.BaseModel):
    username: str


async def item_name(item: Item) -> str:
    return item.name


def test_dependency_bodies_join_the_endpoint_body(client_for: ClientFor) -> None:
    app = App()

    @app.post("/orders")
    async def order(user: User, name: str = Depends(item_name)) -> dict[str, str]:
        return {"user": user.username, "item": name}

    client = client_for(app)
    body = {"item": {"name": "pen"}, "user": {"username": "ann"}}
    assert client.post("/orders", json=body).json() == {"user": "ann", "item": "pen"}
    missing = client.post("/orders", json={"user": {"username": "ann"}})
    assert missing.status_code == 422
    assert [e["loc"] for e in missing.json()["detail"]] == [["body", "item"]]

    alone = App()  # the dependency's is the only body parameter: the body is that model

    @alone.post("/items")
    async def create(name: str = Depends(item_name)) -> dict[str, str]:
        return {"name": name}

    client = client_for(alone)
    assert client.post("/items", json={"name": "pen"}).json() == {"name": "pen"}
    assert client.post("/items", json={"item": {"name": "pen"}}).status_code == 422


def test_dependency_body_honours_strict_content_type(client_for: ClientFor) -> None:
    lenient = App(strict_content_type=False)
    strict = App()
    for app in (lenient, strict):

        @app.post("/items")
        async def create(name: str = Depends(item_name)) -> str:
            return name

    body = b'{"name": "pen"}'
    assert client_for(lenient).post("/items", content=body).json() == "pen"
    refused = client_for(strict).post("/items", content=body)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "content_type"
