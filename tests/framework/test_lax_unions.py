"""Union fields of JSON bodies convert as FastAPI reads them (pydantic's smart mode): an exact
member first (``"5"`` for ``int | str`` stays a string), then lax conversions in member order.

A table of union types x inputs, each input alone (msgspec's strict reading first) and beside a
field msgspec refuses (the lax reading of the whole body), against pydantic validating the
decoded JSON as FastAPI does: the same value and type, or the same refusal (location always;
type and message where pydantic's error is one Squall words as pydantic).  Then bodies go to a
FastAPI app and to Squall's on a real server, side by side.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from collections.abc import Callable
from typing import Any

import fastapi
import httpx
import msgspec
import pydantic
import pytest

from squall import App
from squall.models import body_decoder
from squall.testing import TestClient
from tests.framework.test_lax_bodies import answer, fastapis_reading, outcome_of, same_value


class Level(enum.IntEnum):
    ONE = 1


UNIONS: list[Any] = [
    int | None, float | None, bool | None, list[int] | None, dict[str, int] | None,
    int | str, str | int, int | float, float | int, int | bool, bool | int, int | str | None,
    float | str, bool | str, list[int] | int, int | list[int], dict[str, int] | list[int],
    set[int] | int, list[int | str], dict[str, bool | int], list[float | None],
    int | datetime.datetime, datetime.datetime | int, datetime.timedelta | int,
    datetime.date | None, int | uuid.UUID, Level | str,
]  # fmt: skip
INPUTS: list[Any] = [
    None, 5, 5.0, 5.5, -0.0, 1e20, True, False, 0, 1, 2, "5", "5.0", " 5 ", "+5", "1_000",
    "5.5", "1e3", "inf", "true", "yes", "off", "abc", "", [1], ["2"], ["x"], [1, "yes"], [None],
    {"a": "1"}, {"a": True, "b": "2"}, 86400, "86400", "2024-01-02", "2024-01-02T03:04:05",
    "12345678-1234-5678-1234-567812345678", "01:00:00",
]  # fmt: skip
# The errors Squall words as pydantic does (others: msgspec's message, at pydantic's place).
WORDED: frozenset[str] = frozenset(
    {
        *("int_type", "int_parsing", "int_from_float", "int_parsing_size"),
        *("float_type", "float_parsing", "bool_type", "bool_parsing", "string_type"),
        *("list_type", "dict_type", "set_type"),
    }
)


def differences(annotation: Any, lax: bool) -> list[Any]:
    fields = [("v", annotation), *([("w", int)] if lax else [])]
    ours = body_decoder(msgspec.defstruct("Box", fields))
    extra = {"w": (int, ...)} if lax else {}
    theirs = fastapis_reading(pydantic.create_model("Box", v=(annotation, ...), **extra))
    wrong = []
    for value in INPUTS:
        raw = msgspec.json.encode({"v": value, **({"w": "1"} if lax else {})})
        (kind, got), (want_kind, want) = outcome_of(ours, raw), outcome_of(theirs, raw)
        if kind != want_kind:
            wrong.append((value, got, want))
        elif kind == "value" and not same_value(got.v, want.v):
            wrong.append((value, got.v, want.v))
        elif kind == "error" and not same_refusal(got, want):
            wrong.append((value, got, want))
    return wrong


def same_refusal(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    if ours["loc"] != ["body", *theirs["loc"]]:
        return False
    worded = theirs["type"] in WORDED
    return not worded or (ours["type"], ours["msg"]) == (theirs["type"], theirs["msg"])


@pytest.mark.parametrize("lax", [False, True], ids=["alone", "beside-a-refused-field"])
@pytest.mark.parametrize("annotation", UNIONS, ids=str)
def test_union_values_convert_as_fastapi_reads_them(annotation: Any, lax: bool) -> None:
    wrong = differences(annotation, lax)
    assert not wrong, "\n".join(map(repr, wrong))


def test_the_table_reaches_each_way_of_choosing() -> None:
    """A few rows of the table spelled out: exact first, lax in order, refusals."""

    def read(annotation: Any, raw: bytes) -> tuple[str, Any]:
        return outcome_of(body_decoder(msgspec.defstruct("Box", [("v", annotation)])), raw)

    assert read(int | str, b'{"v": "5"}')[1].v == "5"  # exact: the string stays
    assert read(int | str, b'{"v": 5.0}')[1].v == 5  # the one member taking it (lax)
    assert type(read(float | int, b'{"v": "5"}')[1].v) is float  # both lax: the first
    assert read(int | datetime.datetime, b'{"v": 5.5}')[1].v.microsecond == 500_000
    kind, error = read(bool | str, b'{"v": 5}')  # both refuse: the first one's refusal
    assert (kind, error["loc"], error["type"]) == ("error", ["body", "v", "bool"], "bool_parsing")


class Event(msgspec.Struct):
    ref: int | str
    size: float | None
    tags: list[int] | None
    flag: bool | int
    when: datetime.datetime | int


class FastEvent(pydantic.BaseModel):
    ref: int | str
    size: float | None
    tags: list[int] | None
    flag: bool | int
    when: datetime.datetime | int


def event(**changes: Any) -> dict[str, Any]:
    body = {"ref": 1, "size": None, "tags": None, "flag": True, "when": 0}
    return {**body, **changes}


EVENTS: list[Any] = [
    event(ref="0042", size="1.5", tags=["1", 2.0], flag="yes", when="1700000000"),
    event(ref=7.0, size=None, tags=None, flag="3", when="2024-01-02T03:04:05Z"),
    event(ref=True, flag=0, when="2024-01-02"),
    event(ref=7.5),
    event(ref=[1]),
    event(size="big"),
    event(tags=["1", "x"]),
    event(tags="1"),
    event(flag="maybe"),
    event(ref=None, when=[1]),  # the first refusal: an int_type
]


def shown(value: Any) -> str:
    """A field's value with its type (a datetime's timezone as text: pydantic's is its own)."""
    return f"{type(value).__name__} {value}"


def events_on(serve_app: Callable[[Any], Any]) -> list[Any]:
    app = App()

    @app.post("/event")
    async def post_event(body: Event) -> dict[str, Any]:
        return {"got": [shown(getattr(body, name)) for name in Event.__struct_fields__]}

    with serve_app(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        return [answer(client.post("/event", json=body)) for body in EVENTS]


def events_on_fastapi() -> list[Any]:
    app = fastapi.FastAPI()

    @app.post("/event")
    async def post_event(body: FastEvent) -> dict[str, Any]:
        return {"got": [shown(getattr(body, name)) for name in FastEvent.model_fields]}

    with TestClient(app) as client:
        return [answer(client.post("/event", json=body)) for body in EVENTS]


def test_union_bodies_get_fastapis_answers(serve_app: Callable[[Any], Any]) -> None:
    expected = events_on_fastapi()
    assert events_on(serve_app) == expected
    assert expected[0][1]["got"][:4] == ["str 0042", "float 1.5", "list [1, 2]", "bool True"]
    assert expected[4] == (422, (["body", "ref", "int"], "int_type"))
