"""Request bodies written the FastAPI way: several body parameters, optional bodies, the
Content-Type a JSON body must carry."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pydantic

from squall import App, Body
from tests.compat.conftest import ClientFor


class Item(msgspec.Struct):
    name: str
    price: float = 0


class User(pydantic.BaseModel):
    username: str


def test_several_body_parameters_are_keys_of_one_object(client_for: ClientFor) -> None:
    app = App()

    @app.post("/items")
    async def update(
        item: Item, user: User, importance: Annotated[int, Body(gt=0)]
    ) -> dict[str, object]:
        return {"item": item, "user": user, "importance": importance}

    client = client_for(app)
    body = {"item": {"name": "a"}, "user": {"username": "u"}, "importance": 3}
    assert client.post("/items", json=body).json() == {
        "item": {"name": "a", "price": 0},
        "user": {"username": "u"},
        "importance": 3,
    }
    bad = client.post("/items", json={"item": {}, "user": {}, "importance": 0})
    assert bad.status_code == 422
    locs = [error["loc"] for error in bad.json()["detail"]]
    assert locs == [["body", "item", "name"], ["body", "user", "username"], ["body", "importance"]]
    empty = client.post("/items")
    assert [e["loc"] for e in empty.json()["detail"]] == [
        ["body", "item"],
        ["body", "user"],
        ["body", "importance"],
    ]
    not_object = client.post("/items", json=[1])
    assert not_object.status_code == 422
    assert [e["loc"] for e in not_object.json()["detail"]] == [["body"]]


def test_embed_wraps_a_single_body_in_its_name(client_for: ClientFor) -> None:
    app = App()

    @app.post("/items")
    async def create(item: Annotated[Item, Body(embed=True)]) -> Item:
        return item

    @app.post("/count")
    async def count(n: Annotated[int, Body(embed=True, alias="count")] = 1) -> int:
        return n

    client = client_for(app)
    assert client.post("/items", json={"item": {"name": "a"}}).json() == {"name": "a", "price": 0}
    flat = client.post("/items", json={"name": "a"})
    assert [e["loc"] for e in flat.json()["detail"]] == [["body", "item"]]
    assert client.post("/count", json={"count": 4}).json() == 4
    assert client.post("/count", json={}).json() == 1


def test_single_body_value_is_the_whole_body(client_for: ClientFor) -> None:
    app = App()

    @app.post("/importance")
    async def set_importance(importance: Annotated[int, Body(ge=1)]) -> int:
        return importance

    client = client_for(app)
    assert client.post("/importance", json=3).json() == 3
    low = client.post("/importance", json=0)
    assert [e["loc"] for e in low.json()["detail"]] == [["body"]]


def test_optional_bodies(client_for: ClientFor) -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item | None = None) -> dict[str, object]:
        return {"item": item}

    @app.post("/users")
    async def sign_up(user: User | None = None) -> dict[str, object]:
        return {"user": user}

    client = client_for(app)
    assert client.post("/items").json() == {"item": None}
    assert client.post("/items", json={"name": "a"}).json() == {"item": {"name": "a", "price": 0}}
    assert client.post("/users").json() == {"user": None}
    assert client.post("/users", json=None).json() == {"user": None}
    assert client.post("/users", json={"username": "u"}).json() == {"user": {"username": "u"}}
    bad = client.post("/users", json={})
    assert [e["loc"] for e in bad.json()["detail"]] == [["body", "username"]]


def test_a_json_body_must_say_it_is_json(client_for: ClientFor) -> None:
    app = App()

    @app.post("/items")  # a static path to an async endpoint: the server's direct path
    async def create(item: Item) -> Item:
        return item

    @app.post("/items/{group}")  # the general path
    async def create_in(group: str, item: Item) -> Item:
        return item

    client = client_for(app)
    payload = b'{"name": "a"}'
    for url in ("/items", "/items/g"):
        for content_type in (
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.api+json",
        ):
            accepted = client.post(url, content=payload, headers={"content-type": content_type})
            assert accepted.json() == {"name": "a", "price": 0}, (url, content_type)
        for headers in ({}, {"content-type": "text/plain"}, {"content-type": "application/xml"}):
            refused = client.post(url, content=payload, headers=headers)
            assert refused.status_code == 422, (url, headers)
            [error] = refused.json()["detail"]
            assert error["loc"] == ["body"] and error["type"] == "content_type"
            assert "application/json" in error["msg"]


def test_strict_content_type_can_be_turned_off(client_for: ClientFor) -> None:
    app = App(strict_content_type=False)

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    @app.post("/pair")
    async def pair(a: int, item: Item, other: Item) -> dict[str, object]:
        return {"a": a, "item": item.name, "other": other.name}

    client = client_for(app)
    payload = b'{"name": "a"}'
    assert client.post("/items", content=payload).json() == {"name": "a", "price": 0}
    pair_body = b'{"item": {"name": "a"}, "other": {"name": "b"}}'
    assert client.post("/pair?a=1", content=pair_body).json() == {"a": 1, "item": "a", "other": "b"}
    plain = client.post("/items", content=payload, headers={"content-type": "text/plain"})
    assert plain.status_code == 422  # as in FastAPI: only a missing Content-Type is let through
