"""Path, query, header and cookie values convert as FastAPI reads them.

Text for an ``int``, ``float`` or ``bool`` is read as pydantic's lax mode reads it
(``squall/lax_values.py``: ``007``, ``+5``, ``1_000``, ``5.0``, ``05``, ``.5``, ``on``,
``no``...); anything else, and every error, is msgspec's lax conversion, so a refused value
gets msgspec's 422 entry.  ``value_converter`` skips msgspec for the usual ``str`` and ``int``
cases; what it gives must be the same either way.
"""

from __future__ import annotations

import functools
import random
from typing import Annotated, Any

import msgspec
import pytest
from pydantic import TypeAdapter, ValidationError

from squall import App
from squall.params import value_converter
from squall.testing import TestClient

TRICKY = [
    "0", "7", "42", "-5", "+5", "007", "00", " 5", "5 ", "1_000", "1__0", "_1", "1e3", "5.0",
    "5.00", "5.", "5.01", ".5", "05", "", "x", "\u0663", "\u00b2", "123456789012345678",
    "1234567890123456789", "99999999999999999999", "-0", "0x10", "\uff11\uff12", "inf",
    "-nan", "1_000e1_0", "on", "off", "Yes", "NO", "t", "F", "y", "n", "2", " yes", "TRUE",
]  # fmt: skip


def outcome(convert: Any, value: Any) -> tuple[str, Any]:
    try:
        return "value", convert(value)
    except (msgspec.ValidationError, ValidationError) as exc:
        return "error", str(exc)


@pytest.mark.parametrize("annotation", [int, float, bool])
@pytest.mark.parametrize("value", TRICKY)
def test_text_converts_as_fastapi_reads_it(annotation: type, value: str) -> None:
    expected = outcome(TypeAdapter(annotation).validate_python, value)
    got = outcome(value_converter(annotation), value)
    if expected[0] == "error":  # refused in msgspec's words: the 422 entry as before
        assert got == ("error", f"Expected `{annotation.__name__}`, got `str`")
        return
    assert got[0] == "value"
    assert got[1] == expected[1] or (got[1] != got[1] and expected[1] != expected[1])  # nan
    assert type(got[1]) is type(expected[1])


@pytest.mark.parametrize("value", [*TRICKY, 5, True, 2.5, None])
def test_str_and_non_text_values_convert_as_msgspec_does(value: Any) -> None:
    for annotation in (str, int, float, bool):
        if type(value) is str and annotation is not str:
            continue  # text for the other three: above
        expected = outcome(functools.partial(msgspec.convert, type=annotation, strict=False), value)
        assert outcome(value_converter(annotation), value) == expected


def test_wrapped_annotations_read_text_the_same_way() -> None:
    assert value_converter(Annotated[int, msgspec.Meta(ge=1)])("007") == 7
    assert outcome(value_converter(Annotated[int, msgspec.Meta(ge=1)]), "000")[0] == "error"
    assert value_converter(int | None)(" +5 ") == 5
    assert value_converter(list[int])(["007", "1_000"]) == [7, 1000]
    assert value_converter(list[bool])(["on", "OFF"]) == [True, False]
    assert value_converter(set[float])([".5"]) == {0.5}
    assert value_converter(int | str)("007") == "007"  # ambiguous: msgspec decides


def test_random_digit_strings_convert_as_fastapi_reads_them() -> None:
    rng = random.Random(2411)
    convert = value_converter(int)
    for _ in range(3000):
        value = "".join(rng.choice("0123456789-+_ .e") for _ in range(rng.randrange(1, 22)))
        expected = outcome(TypeAdapter(int).validate_python, value)
        got = outcome(convert, value)
        assert got[0] == expected[0], value
        if got[0] == "value":
            assert got[1] == expected[1], value


def test_query_ints_and_their_errors_through_the_app() -> None:
    app = App()

    @app.get("/page")
    async def page(number: int, size: int = 10) -> dict[str, int]:
        return {"number": number, "size": size}

    with TestClient(app) as client:
        assert client.get("/page?number=3").json() == {"number": 3, "size": 10}
        assert client.get("/page?number=12345&size=0").json() == {"number": 12345, "size": 0}
        assert client.get("/page?number=007&size=+5").json() == {"number": 7, "size": 5}
        bad = client.get("/page?number=7.5")
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["query", "number"]
