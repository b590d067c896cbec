"""Form models: ``Annotated[Model, Form()]`` filled from a form's fields, for a msgspec Struct,
a dataclass and a pydantic model, on Squall's server (native path) and under uvicorn (ASGI):
lax conversion, list fields from repeated keys, defaults for fields not sent (or empty),
UploadFile fields, and 422s located at ``["body", field]`` as FastAPI's."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import msgspec
import pydantic
import pytest

from squall import App, Form, UploadFile
from tests.framework.static_tree import SERVERS, serving


class ItemStruct(msgspec.Struct):
    name: str
    price: float
    tags: list[str] = []
    count: int = 1


@dataclasses.dataclass
class ItemDataclass:
    name: str
    price: float
    tags: list[str] = dataclasses.field(default_factory=list)
    count: int = 1


class ItemModel(pydantic.BaseModel):
    name: str
    price: float
    tags: list[str] = []
    count: int = 1


class Upload(msgspec.Struct):
    title: str
    attachment: UploadFile


class PydanticUpload(pydantic.BaseModel):
    title: str
    attachments: list[UploadFile]


MODELS = {"struct": ItemStruct, "dataclass": ItemDataclass, "pydantic": ItemModel}


def models_app() -> App:
    app = App()

    def described(item: Any) -> dict[str, Any]:
        return {"name": item.name, "price": item.price, "tags": item.tags, "count": item.count}

    @app.post("/struct")
    async def struct(item: Annotated[ItemStruct, Form()]) -> dict[str, Any]:
        return described(item)

    @app.post("/dataclass")
    async def dataclass(item: Annotated[ItemDataclass, Form()]) -> dict[str, Any]:
        return described(item)

    @app.post("/pydantic")
    async def model(item: Annotated[ItemModel, Form()]) -> dict[str, Any]:
        return described(item)

    @app.post("/upload")
    async def upload(form: Annotated[Upload, Form()]) -> dict[str, Any]:
        content = await form.attachment.read()
        return {"title": form.title, "file": form.attachment.filename, "content": content.decode()}

    @app.post("/uploads")
    async def uploads(form: Annotated[PydanticUpload, Form()]) -> dict[str, Any]:
        return {"title": form.title, "files": [f.filename for f in form.attachments]}

    return app


@pytest.fixture(scope="module", params=SERVERS)
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(request.param)(models_app()) as url:
        yield url


@pytest.mark.parametrize("kind", list(MODELS))
def test_a_model_is_filled_from_urlencoded_and_multipart_fields(base: str, kind: str) -> None:
    fields = {"name": "pen", "price": "1.5", "tags": ["a", "b"], "count": ""}
    sent = httpx.post(f"{base}/{kind}", data=fields)
    assert sent.json() == {"name": "pen", "price": 1.5, "tags": ["a", "b"], "count": 1}
    multipart = httpx.post(
        f"{base}/{kind}", data={"name": "ink", "price": "2", "count": "3"}, files={"x": b"_"}
    )
    assert multipart.json() == {"name": "ink", "price": 2.0, "tags": [], "count": 3}


@pytest.mark.parametrize("kind", list(MODELS))
def test_invalid_and_missing_fields_are_a_422_at_body_field(base: str, kind: str) -> None:
    wrong = httpx.post(f"{base}/{kind}", data={"name": "pen", "price": "cheap"})
    assert wrong.status_code == 422
    assert [e["loc"] for e in wrong.json()["detail"]] == [["body", "price"]]
    missing = httpx.post(f"{base}/{kind}", data={"price": "1"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "name"]
    assert missing.json()["detail"][0]["type"] == "missing"


def test_upload_file_fields_of_a_struct_and_a_pydantic_model(base: str) -> None:
    one = httpx.post(
        f"{base}/upload", data={"title": "t"}, files={"attachment": ("a.txt", b"hello")}
    )
    assert one.json() == {"title": "t", "file": "a.txt", "content": "hello"}
    many = httpx.post(
        f"{base}/uploads",
        data={"title": "t"},
        files=[("attachments", ("a", b"1")), ("attachments", ("b", b"2"))],
    )
    assert many.json() == {"title": "t", "files": ["a", "b"]}
    text = httpx.post(f"{base}/upload", data={"title": "t", "attachment": "not a file"})
    assert text.status_code == 422
    assert text.json()["detail"][0]["loc"] == ["body", "attachment"]
