"""Components: msgspec types in full, dataclasses, TypedDicts, enums, generics, pydantic
models, and one namespace with stable names and no collisions."""

import dataclasses
import datetime
import decimal
import enum
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Generic, Literal, TypedDict, TypeVar

import msgspec
import pydantic

from bench.openapi_build import build_app
from squall import App
from tests.framework.openapi import models_a, models_b
from tests.framework.openapi.documents import (
    document_of,
    needs_validator,
    operation_of,
    schemas_of,
)

pytestmark = needs_validator
T = TypeVar("T")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


class Product(msgspec.Struct, rename="camel", omit_defaults=True):
    """A thing for sale."""

    product_id: Annotated[int, msgspec.Meta(ge=1, description="The id", examples=[7])]
    display_name: Annotated[str, msgspec.Meta(min_length=1, title="Name")]
    unit_price: decimal.Decimal = decimal.Decimal("0")


class Cat(msgspec.Struct, tag="cat"):
    lives: int


class Dog(msgspec.Struct, tag="dog"):
    good: bool


class Kind(enum.Enum):
    BOOK = "book"
    GAME = "game"


@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0


class Meta(TypedDict):
    created: datetime.datetime
    id: uuid.UUID
    blob: bytes


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    total: int


class Owner(msgspec.Struct):  # named as models_a.Owner / models_b.Owner (pydantic)
    name: str


class Review(pydantic.BaseModel):
    stars: int = pydantic.Field(ge=1, le=5)
    text: str | None = None


def test_struct_rename_omit_defaults_meta_and_docstring() -> None:
    app = App()

    @app.post("/products")
    async def create(product: Product) -> Product:
        return product

    assert schemas_of(app)["Product"] == {
        "title": "Product",
        "description": "A thing for sale.",
        "type": "object",
        "properties": {
            "productId": {
                "type": "integer",
                "minimum": 1,
                "description": "The id",
                "examples": [7],
            },
            "displayName": {"type": "string", "minLength": 1, "title": "Name"},
            "unitPrice": {"type": "string", "format": "decimal", "default": "0"},
        },
        "required": ["productId", "displayName"],
    }


def test_tagged_unions_are_one_of_with_a_discriminator() -> None:
    app = App()

    @app.post("/pets")
    async def add(pet: Cat | Dog) -> None: ...

    body = operation_of(app, "/pets", "post")["requestBody"]["content"]["application/json"]
    assert body["schema"] == {
        "title": "Pet",
        "oneOf": [ref("Cat"), ref("Dog")],
        "discriminator": {
            "propertyName": "type",
            "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"},
        },
    }
    assert schemas_of(app)["Cat"]["properties"]["type"] == {"enum": ["cat"], "type": "string"}
    assert schemas_of(app)["Cat"]["required"] == ["type", "lives"]


def test_dataclass_typeddict_enum_literal_and_formats() -> None:
    app = App()

    @app.post("/mixed")
    async def mixed(
        point: Point, meta: Meta, kind: Kind, mode: Literal["a", "b"] = "a"
    ) -> None: ...

    schemas = schemas_of(app)
    assert schemas["Point"] == {
        "title": "Point",
        "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number", "default": 0.0}},
        "required": ["x"],
    }
    assert schemas["Meta"]["properties"] == {
        "created": {"type": "string"},  # msgspec: naive datetimes pass too (not RFC 3339)
        "id": {"type": "string", "format": "uuid"},
        "blob": {"type": "string", "contentEncoding": "base64"},
    }
    assert schemas["Kind"] == {"title": "Kind", "enum": ["book", "game"], "type": "string"}
    body = schemas["Body_mixed_mixed_post"]["properties"]
    assert body["kind"] == ref("Kind")
    mode = operation_of(app, "/mixed", "post")["parameters"][0]  # a scalar: from the query
    assert mode["schema"] == {"enum": ["a", "b"], "type": "string", "title": "Mode", "default": "a"}


def test_generic_structs_get_one_component_per_parameter() -> None:
    app = App()

    @app.get("/points")
    async def points() -> Page[Point]:
        return Page([], 0)

    @app.get("/owners")
    async def owners() -> Page[Owner]:
        return Page([], 0)

    schemas = schemas_of(app)
    assert schemas["Page_Point_"]["properties"]["items"] == {"type": "array", "items": ref("Point")}
    assert schemas["Page_Owner_"]["properties"]["items"] == {"type": "array", "items": ref("Owner")}


def test_pydantic_models_with_field_constraints() -> None:
    app = App()

    @app.post("/reviews")
    async def review(body: Review) -> Review:
        return body

    op = operation_of(app, "/reviews", "post")
    assert op["requestBody"]["content"]["application/json"]["schema"] == ref("Review")
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == ref("Review")
    assert schemas_of(app)["Review"] == {
        "title": "Review",
        "type": "object",
        "properties": {
            "stars": {"type": "integer", "minimum": 1, "maximum": 5, "title": "Stars"},
            "text": {
                "anyOf": [{"type": "string"}, {"type": "null"}],
                "default": None,
                "title": "Text",
            },
        },
        "required": ["stars"],
    }


def test_a_pydantic_model_inside_a_struct() -> None:
    app = App()

    class Wrapped(msgspec.Struct):
        review: Review

    @app.post("/wrapped")
    async def wrapped(body: Wrapped) -> None: ...

    schemas = schemas_of(app)
    assert schemas["Wrapped"]["properties"]["review"] == ref("Review")
    assert schemas["Review"]["required"] == ["stars"]


def test_same_names_from_different_modules_stay_apart() -> None:
    app = App()

    @app.post("/a")
    async def a(item: models_a.Item, owner: models_a.Owner) -> Owner:
        return Owner("x")

    @app.post("/b")
    async def b(item: models_b.Item, owner: models_b.Owner) -> None: ...

    doc = document_of(app)
    schemas = doc["components"]["schemas"]
    a_item = "tests.framework.openapi.models_a.Item"
    b_item = "tests.framework.openapi.models_b.Item"
    assert schemas[a_item]["required"] == ["name"]
    assert schemas[b_item]["required"] == ["sku"]
    assert schemas["Owner"]["required"] == ["name"]  # the msgspec one keeps the short name
    a_body = schemas["Body_a_a_post"]["properties"]
    b_body = schemas["Body_b_b_post"]["properties"]
    assert a_body["item"]["$ref"].endswith(a_item)
    assert b_body["item"]["$ref"].endswith(b_item)
    a_owner = schemas[a_body["owner"]["$ref"].rsplit("/", 1)[1]]
    b_owner = schemas[b_body["owner"]["$ref"].rsplit("/", 1)[1]]
    assert a_owner["required"] == ["login"]
    assert b_owner["required"] == ["uid"]
    assert len({a_body["owner"]["$ref"], b_body["owner"]["$ref"], ref("Owner")["$ref"]}) == 3


def test_a_pydantic_model_named_as_a_struct_gets_its_module_qualified_name() -> None:
    app = App()

    @app.post("/owners")
    async def owners(owner: models_a.Owner) -> Owner:
        return Owner("x")

    op = operation_of(app, "/owners", "post")
    qualified = "tests.framework.openapi.models_a.Owner"
    assert op["requestBody"]["content"]["application/json"]["schema"] == ref(qualified)
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == ref("Owner")
    schemas = schemas_of(app)
    assert schemas[qualified]["required"] == ["login"]
    assert schemas["Owner"]["required"] == ["name"]


class ValidationError(msgspec.Struct):  # named as the document's own 422 component
    field: str


def test_an_app_type_named_as_the_documents_own_components_keeps_its_name() -> None:
    app = App()

    @app.post("/check")
    async def check(n: int) -> ValidationError:
        return ValidationError("n")

    doc = document_of(app)
    op = doc["paths"]["/check"]["post"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == ref("ValidationError")
    schemas = doc["components"]["schemas"]
    assert schemas["ValidationError"]["required"] == ["field"]
    assert op["responses"]["422"]["content"]["application/json"]["schema"] == ref(
        "HTTPValidationError"
    )
    items = schemas["HTTPValidationError"]["properties"]["detail"]["items"]
    assert items == ref("squall.ValidationError")
    assert schemas["squall.ValidationError"]["required"] == ["loc", "msg", "type"]


def test_one_component_for_a_model_used_everywhere_and_stable_names() -> None:
    def build(reverse: bool) -> dict[str, object]:
        app = App()

        async def one(p: Point) -> Point:
            return p

        async def two() -> list[Point]:
            return []

        async def three(b: models_b.Item) -> models_a.Item:
            return models_a.Item("x")

        routes: list[tuple[str, Callable[..., Any], str]] = [
            ("/one", one, "POST"),
            ("/two", two, "GET"),
            ("/three", three, "POST"),
        ]
        for path, endpoint, method in reversed(routes) if reverse else routes:
            app.add_api_route(path, endpoint, methods=[method])
        return document_of(app)["components"]["schemas"]

    forward, backward = build(False), build(True)
    assert list(forward) == list(backward)
    assert forward == backward
    assert [name for name in forward if "Point" in name] == ["Point"]


def test_the_same_bytes_in_a_process_with_another_hash_seed() -> None:
    """Names and order depend on the types only: not on set or dict hashing."""
    script = (
        "import msgspec\n"
        "from bench.openapi_build import build_app\n"
        "print(msgspec.json.encode(build_app(60, 12).openapi()).decode(), end='')"
    )
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, env=env, check=True, timeout=60
    )
    assert done.stdout == msgspec.json.encode(build_app(60, 12).openapi())
