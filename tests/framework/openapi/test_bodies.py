"""Request bodies: JSON (one value, optional, embedded keys), media types, forms and files."""

from typing import Annotated

import msgspec
import pydantic

from squall import App, Body, File, Form, UploadFile
from tests.framework.openapi.documents import needs_validator, operation_of, schemas_of

pytestmark = needs_validator


class Item(msgspec.Struct):
    name: str
    price: float


class User(msgspec.Struct):
    login: str


class SignUp(msgspec.Struct):
    login: str
    age: int = 0


def test_a_struct_body_is_a_required_reference() -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    op = operation_of(app, "/items", "post")
    assert op["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
        "required": True,
    }
    assert schemas_of(app)["Item"] == {
        "title": "Item",
        "type": "object",
        "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
        "required": ["name", "price"],
    }


def test_an_optional_body_is_not_required() -> None:
    app = App()

    @app.put("/items")
    async def maybe(item: Item | None = None) -> None: ...

    body = operation_of(app, "/items", "put")["requestBody"]
    assert body["required"] is False
    assert body["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/Item"}, {"type": "null"}],
        "title": "Item",
        "default": None,
    }


def test_several_body_parameters_are_keys_of_one_object_component() -> None:
    app = App()

    @app.post("/orders")
    async def order(item: Item, user: User, note: Annotated[str, Body()] = "") -> None: ...

    op = operation_of(app, "/orders", "post")
    ref = "#/components/schemas/Body_order_orders_post"
    assert op["requestBody"] == {
        "content": {"application/json": {"schema": {"$ref": ref}}},
        "required": True,
    }
    assert schemas_of(app)["Body_order_orders_post"] == {
        "title": "Body_order_orders_post",
        "type": "object",
        "properties": {
            "item": {"$ref": "#/components/schemas/Item"},
            "user": {"$ref": "#/components/schemas/User"},
            "note": {"type": "string", "title": "Note", "default": ""},
        },
        "required": ["item", "user"],
    }


def test_embed_puts_a_single_body_under_its_name() -> None:
    app = App()

    @app.post("/embed")
    async def embedded(item: Annotated[Item, Body(embed=True)]) -> None: ...

    schema = schemas_of(app)["Body_embedded_embed_post"]
    assert schema["properties"] == {"item": {"$ref": "#/components/schemas/Item"}}
    assert schema["required"] == ["item"]


def test_body_media_type_is_documented() -> None:
    app = App()

    @app.post("/merge")
    async def merge(
        patch: Annotated[dict[str, int], Body(media_type="application/merge-patch+json")],
    ) -> None: ...

    content = operation_of(app, "/merge", "post")["requestBody"]["content"]
    assert content == {
        "application/merge-patch+json": {
            "schema": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "title": "Patch",
            }
        }
    }


def test_body_examples_go_in_the_schema_and_openapi_examples_by_the_media_type() -> None:
    app = App()
    named = {"cheap": {"summary": "Cheap", "value": {"name": "pen", "price": 1.0}}}

    @app.post("/priced")
    async def priced(
        item: Annotated[
            Item, Body(examples=[{"name": "cup", "price": 2.5}], openapi_examples=named)
        ],
    ) -> None: ...

    content = operation_of(app, "/priced", "post")["requestBody"]["content"]["application/json"]
    assert content == {
        "schema": {
            "$ref": "#/components/schemas/Item",
            "examples": [{"name": "cup", "price": 2.5}],
        },
        "examples": named,
    }


def test_form_fields_are_urlencoded() -> None:
    app = App()

    @app.post("/login")
    async def login(
        username: Annotated[str, Form()], remember: Annotated[bool, Form()] = False
    ) -> None: ...

    op = operation_of(app, "/login", "post")
    ref = "#/components/schemas/Body_login_login_post"
    assert op["requestBody"] == {
        "content": {"application/x-www-form-urlencoded": {"schema": {"$ref": ref}}},
        "required": True,
    }
    assert schemas_of(app)["Body_login_login_post"] == {
        "title": "Body_login_login_post",
        "type": "object",
        "properties": {
            "username": {"type": "string", "title": "Username"},
            "remember": {"type": "boolean", "title": "Remember", "default": False},
        },
        "required": ["username"],
    }


def test_files_make_the_form_multipart_and_binary() -> None:
    app = App()

    @app.post("/upload")
    async def upload(
        file: UploadFile,
        raw: Annotated[bytes, File()],
        extra: list[UploadFile],
        note: Annotated[str | None, Form()] = None,
    ) -> None: ...

    op = operation_of(app, "/upload", "post")
    assert list(op["requestBody"]["content"]) == ["multipart/form-data"]
    schema = schemas_of(app)["Body_upload_upload_post"]
    assert schema["properties"]["file"] == {"type": "string", "format": "binary", "title": "File"}
    assert schema["properties"]["raw"] == {"type": "string", "format": "binary", "title": "Raw"}
    assert schema["properties"]["extra"] == {
        "type": "array",
        "items": {"type": "string", "format": "binary"},
        "title": "Extra",
    }
    assert schema["required"] == ["file", "raw", "extra"]


class Avatar(msgspec.Struct):
    user: str
    picture: UploadFile


def test_a_plain_upload_or_a_model_with_one_makes_the_form_multipart() -> None:
    app = App()

    @app.post("/plain")
    async def plain(file: UploadFile) -> None: ...

    @app.post("/avatar")
    async def avatar(form: Annotated[Avatar, Form()]) -> None: ...

    assert list(operation_of(app, "/plain", "post")["requestBody"]["content"]) == [
        "multipart/form-data"
    ]
    content = operation_of(app, "/avatar", "post")["requestBody"]["content"]
    assert content == {"multipart/form-data": {"schema": {"$ref": "#/components/schemas/Avatar"}}}
    assert schemas_of(app)["Avatar"]["properties"]["picture"] == {
        "type": "string",
        "format": "binary",
    }


class PydanticAvatar(pydantic.BaseModel):
    user: str
    picture: UploadFile


def test_a_pydantic_form_model_with_an_upload() -> None:
    app = App()

    @app.post("/avatar")
    async def avatar(form: Annotated[PydanticAvatar, Form()]) -> None: ...

    content = operation_of(app, "/avatar", "post")["requestBody"]["content"]
    ref = {"$ref": "#/components/schemas/PydanticAvatar"}
    assert content == {"multipart/form-data": {"schema": ref}}
    assert schemas_of(app)["PydanticAvatar"]["properties"] == {
        "user": {"type": "string", "title": "User"},
        "picture": {"type": "string", "format": "binary", "title": "Picture"},
    }


def test_a_form_model_is_the_form_schema() -> None:
    app = App()

    @app.post("/signup")
    async def signup(form: Annotated[SignUp, Form()]) -> None: ...

    op = operation_of(app, "/signup", "post")
    assert op["requestBody"] == {
        "content": {
            "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/SignUp"}}
        },
        "required": True,
    }
    assert schemas_of(app)["SignUp"]["required"] == ["login"]


def test_no_body_no_request_body() -> None:
    app = App()

    @app.get("/plain")
    async def plain() -> None: ...

    assert "requestBody" not in operation_of(app, "/plain")
