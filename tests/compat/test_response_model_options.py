"""FastAPI's ``response_model_*`` options compared with FastAPI's own answers:
``response_model_exclude_defaults=True`` leaves out fields holding their default, at any
depth, for pydantic models, msgspec Structs and dataclasses; pydantic models go out under
their aliases (``response_model_by_alias=False``: their field names), returned through a
response model or as they are."""

from __future__ import annotations

import dataclasses
from typing import Any

import fastapi
import msgspec
import pydantic
from fastapi.testclient import TestClient as FastClient

from squall import App, Body
from tests.compat.conftest import ClientFor


class Tag(pydantic.BaseModel):
    label: str
    weight: float = 1.0


class Item(pydantic.BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float = 10.5
    tags: list[Tag] = []


class TagStruct(msgspec.Struct):
    label: str
    weight: float = 1.0


class ItemStruct(msgspec.Struct):
    name: str
    price: float
    description: str | None = None
    tax: float = 10.5
    tags: list[TagStruct] = msgspec.field(default_factory=list)


class Renamed(msgspec.Struct, rename="camel"):
    name: str
    tax_rate: float = 10.5


@dataclasses.dataclass
class ItemClass:
    name: str
    price: float
    description: str | None = None
    tax: float = 10.5
    tags: list[dict[str, Any]] = dataclasses.field(default_factory=list)


RESULTS: dict[str, Any] = {
    "plain": {"name": "Foo", "price": 50.2},
    "defaults-sent": {"name": "Bar", "price": 62, "tax": 10.5, "description": None},
    "changed": {"name": "Baz", "price": 1, "tax": 20.2, "description": "x"},
    "nested": {"name": "N", "price": 2, "tags": [{"label": "a"}, {"label": "b", "weight": 3}]},
}


def squall_app() -> App:
    app = App()
    models: dict[str, Any] = {"pydantic": Item, "struct": ItemStruct, "dataclass": ItemClass}
    for kind, model in models.items():

        def read(key: str) -> Any:
            return RESULTS[key]

        app.add_api_route(
            f"/{kind}/{{key}}",
            read,
            response_model=model,
            response_model_exclude_defaults=True,
            name=kind,
        )
        app.add_api_route(
            f"/{kind}-list", lambda: list(RESULTS.values()), response_model=list[model],
            response_model_exclude_defaults=True, name=f"{kind}-list",
        )  # fmt: skip

    @app.get("/renamed/{tax}", response_model_exclude_defaults=True)
    def renamed(tax: float) -> Renamed:
        return Renamed(name="r", tax_rate=tax)

    return app


def fastapi_answers() -> dict[str, Any]:
    app = fastapi.FastAPI()

    @app.get("/items/{key}", response_model=Item, response_model_exclude_defaults=True)
    def read(key: str) -> Any:
        return RESULTS[key]

    @app.get("/items", response_model=list[Item], response_model_exclude_defaults=True)
    def read_all() -> Any:
        return list(RESULTS.values())

    with FastClient(app) as client:
        answers = {key: client.get(f"/items/{key}").json() for key in RESULTS}
        return answers | {"list": client.get("/items").json()}


def test_fields_holding_their_default_are_left_out_as_fastapi_does(
    client_for: ClientFor,
) -> None:
    expected = fastapi_answers()
    assert expected["plain"] == {"name": "Foo", "price": 50.2}
    assert expected["nested"]["tags"] == [{"label": "a"}, {"label": "b", "weight": 3.0}]
    client = client_for(squall_app())
    for kind in ("pydantic", "struct", "dataclass"):
        got = {key: client.get(f"/{kind}/{key}").json() for key in RESULTS}
        got["list"] = client.get(f"/{kind}-list").json()
        assert got == expected, kind
    assert client.get("/renamed/10.5").json() == {"name": "r"}
    assert client.get("/renamed/2").json() == {"name": "r", "taxRate": 2.0}  # its wire name


class Aliased(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(populate_by_name=True)
    item_name: str = pydantic.Field(alias="itemName")


def aliased_routes(app: Any, body: Any) -> None:
    @app.get("/model", response_model=Aliased)
    def model() -> Any:
        return {"itemName": "a"}

    @app.get("/names", response_model=Aliased, response_model_by_alias=False)
    def names() -> Any:
        return Aliased(item_name="b")

    @app.post("/echo")
    def echo(item: Aliased = body(embed=True)) -> Any:  # noqa: B008  (FastAPI's style)
        return item  # no response model: encoded as it is


def test_pydantic_models_go_out_under_their_aliases(client_for: ClientFor) -> None:
    fast = fastapi.FastAPI()
    aliased_routes(fast, fastapi.Body)
    app = App()
    aliased_routes(app, Body)
    requests: list[tuple[str, str, Any]] = [
        ("GET", "/model", None), ("GET", "/names", None),
        ("POST", "/echo", {"item": {"itemName": "c"}}),
    ]  # fmt: skip
    with FastClient(fast) as client:
        expected = [client.request(m, p, json=j).json() for m, p, j in requests]
    assert expected == [{"itemName": "a"}, {"item_name": "b"}, {"itemName": "c"}]
    client = client_for(app)
    assert [client.request(m, p, json=j).json() for m, p, j in requests] == expected
