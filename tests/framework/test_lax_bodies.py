"""JSON body values convert as FastAPI (pydantic v2's lax mode) reads them.

Every input of a table is sent, as a field of a Struct, to ``body_decoder`` and to a pydantic
model with the same field, validating the decoded JSON as FastAPI does: both must accept it
with equal values, or both refuse it (for int, float, bool and date with pydantic's error type
and location).  Then the same bodies go
to a FastAPI app and to Squall's, on Squall's server and in-process, for the 422s side by side.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import math
import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import fastapi
import httpx
import msgspec
import pydantic
import pytest
from pydantic.alias_generators import to_camel

from squall import App, Body
from squall.models import ValidationFailed, body_decoder
from squall.testing import TestClient


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    ONE = 1


INPUTS: list[Any] = [
    164, 164.0, 164.5, -0.0, 1e20, -3, 0, 1, 2, 0.0, 1.0, 0.5, True, False, None,
    "164", "164.0", " 164 ", "1_000", "+5", "1e3", "abc", "", "1.5", "inf", "nan",
    "true", "True", "on", "yes", "1", "0", "t", "off", "n", "2",
    1700000000, 1700000000.5, 1700000000000, 86400, 3600.5, 86400.5, "1700000000", "86400",
    "2024-01-02", "2024-01-02T03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T00:00:00+01:00",
    "20240102", "03:04:05", "3:04", "-03:04:05.5", "1 day, 01:00:00", "2 days 01:00", "1d",
    "00:60:00", "03:04:05Z", "PT1H",
    "12345678-1234-5678-1234-567812345678", "red", [1], {"a": 1},
]  # fmt: skip
TYPES: list[Any] = [
    int, float, bool, str, decimal.Decimal, datetime.datetime, datetime.date, datetime.time,
    datetime.timedelta, uuid.UUID, Color, Level, int | None, list[int], dict[str, float],
    tuple[int, bool],
]  # fmt: skip
# pydantic's error is compared for these (others: refused by both is enough)
SAME_ERROR = (int, float, bool)


def outcome_of(decode: Any, raw: bytes) -> tuple[str, Any]:
    try:
        return "value", decode(raw)
    except ValidationFailed as exc:
        return "error", exc.errors()[0]
    except pydantic.ValidationError as exc:
        return "error", exc.errors(include_url=False)[0]


def fastapis_reading(model: type[pydantic.BaseModel]) -> Callable[[bytes], Any]:
    """The body validated as FastAPI validates it: the decoded JSON, in pydantic's Python mode
    (``model_validate_json`` differs: no ``true`` for a timedelta, a numeric string is a Unix
    time before an int in ``datetime | int``...)."""
    return lambda raw: model.model_validate(msgspec.json.decode(raw))


def same_value(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    if isinstance(theirs, pydantic.BaseModel):
        theirs = theirs.model_dump()
    return bool(ours == theirs) and type(ours) is type(theirs)


def same_error(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """The same type, message and place (ours under ``body``)."""
    return (ours["type"], ours["msg"], ours["loc"]) == (
        theirs["type"],
        theirs["msg"],
        ["body", *theirs["loc"]],
    )


@pytest.mark.parametrize("annotation", TYPES, ids=str)
def test_body_values_convert_as_pydantic_reads_them(annotation: Any) -> None:
    ours = body_decoder(msgspec.defstruct("Box", [("v", annotation)]))
    theirs = fastapis_reading(pydantic.create_model("Box", v=(annotation, ...)))
    wrong = []
    for value in INPUTS:
        raw = msgspec.json.encode({"v": value})
        (kind, got), (want_kind, want) = outcome_of(ours, raw), outcome_of(theirs, raw)
        if kind != want_kind:
            wrong.append((value, got, want))
        elif kind == "value" and not same_value(got.v, want.v):
            wrong.append((value, got.v, want.v))
        elif kind == "error" and annotation in SAME_ERROR and not same_error(got, want):
            wrong.append((value, got, want))
    assert not wrong, "\n".join(map(repr, wrong))


def test_a_well_typed_body_never_reaches_the_lax_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    import squall.lax_bodies

    read: list[Any] = []
    original = squall.lax_bodies.lax_body_decoder

    def counting(annotation: Any) -> Any:
        decode = original(annotation)
        assert decode is not None

        def decode_counted(raw: bytes) -> Any:
            read.append(raw)
            return decode(raw)

        return decode_counted

    monkeypatch.setattr("squall.models.lax_body_decoder", counting)
    decode = body_decoder(msgspec.defstruct("Box", [("v", int)]))
    assert decode(b'{"v": 5}').v == 5 and read == []
    assert decode(b'{"v": 5.0}').v == 5 and read == [b'{"v": 5.0}']


class Address(TypedDict):
    zip: int


@dataclasses.dataclass
class Tag:
    weight: float


class Profile(msgspec.Struct, rename="camel"):
    user_age: int
    active: bool
    address: Address
    tags: list[Tag]
    joined: datetime.date | None = None


class FastAddress(pydantic.BaseModel):
    zip: int


class FastTag(pydantic.BaseModel):
    weight: float


class FastProfile(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(alias_generator=to_camel)
    user_age: int
    active: bool
    address: FastAddress
    tags: list[FastTag]
    joined: datetime.date | None = None


NESTED_BODIES: list[Any] = [
    {"userAge": 164.0, "active": "yes", "address": {"zip": "75001"}, "tags": [{"weight": "1.5"}]},
    {"userAge": "42", "active": 1, "address": {"zip": 1.0}, "tags": [], "joined": 86400},
    {"userAge": 164.5, "active": True, "address": {"zip": 1}, "tags": []},
    {"userAge": 1, "active": 2, "address": {"zip": 1}, "tags": []},
    {"userAge": 1, "active": True, "address": {"zip": "x"}, "tags": []},
    {"userAge": 1, "active": True, "address": {"zip": 1}, "tags": [{"weight": "heavy"}]},
    {"userAge": 1, "active": True, "address": {"zip": 1}, "tags": [], "joined": 86401},
]


def fastapi_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI()

    @app.post("/profile")
    async def profile(body: FastProfile) -> dict[str, Any]:
        weights = [tag.weight for tag in body.tags]
        return summary(body.user_age, body.active, body.address.zip, weights, body.joined)

    @app.post("/pair")
    async def pair(age: Annotated[int, fastapi.Body()], ok: Annotated[bool, fastapi.Body()]) -> Any:
        return {"age": age, "ok": ok}

    return app


def squall_app() -> App:
    app = App()

    @app.post("/profile")
    async def profile(body: Profile) -> dict[str, Any]:
        weights = [tag.weight for tag in body.tags]
        return summary(body.user_age, body.active, body.address["zip"], weights, body.joined)

    @app.post("/pair")
    async def pair(age: Annotated[int, Body()], ok: Annotated[bool, Body()]) -> Any:
        return {"age": age, "ok": ok}

    return app


def summary(*values: Any) -> dict[str, Any]:
    """What the endpoints received, with its types, as JSON."""
    return {"values": [repr(value) for value in values]}


def answer(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    if response.status_code == 422:  # the first error's place and kind (pydantic: all)
        first = body["detail"][0]
        return 422, (first["loc"], first["type"])
    return response.status_code, body


def squall_answers(serve_app: Callable[[Any], Any], path: str, bodies: list[Any]) -> list[Any]:
    """Squall's answers to ``bodies`` on a real server (Squall's native path, or uvicorn)."""
    with serve_app(squall_app()) as url, httpx.Client(base_url=url, timeout=10) as client:
        return [answer(client.post(path, json=body)) for body in bodies]


def fastapi_answers(path: str, bodies: list[Any]) -> list[Any]:
    with TestClient(fastapi_app()) as fast:
        return [answer(fast.post(path, json=body)) for body in bodies]


def test_nested_bodies_get_fastapis_answers(serve_app: Callable[[Any], Any]) -> None:
    expected = fastapi_answers("/profile", NESTED_BODIES)
    got = squall_answers(serve_app, "/profile", NESTED_BODIES)
    assert got == expected
    assert got[0] == (200, {"values": ["164", "True", "75001", "[1.5]", "None"]})


def test_several_body_parameters_convert_each_key(serve_app: Callable[[Any], Any]) -> None:
    bodies = [{"age": "7", "ok": "on"}, {"age": 7.5, "ok": True}, {"age": 7, "ok": "maybe"}]
    expected = fastapi_answers("/pair", bodies)
    assert squall_answers(serve_app, "/pair", bodies) == expected
    assert expected[0] == (200, {"age": 7, "ok": True})
