"""Path, query, header and cookie values convert exactly as msgspec's lax conversion does.

``value_converter`` skips msgspec for the usual ``str`` and ``int`` cases; whatever it gives
(a value, or msgspec.ValidationError) must be what ``msgspec.convert(..., strict=False)`` gives.
"""

from __future__ import annotations

import random
from typing import Any

import msgspec
import pytest

from squall import App
from squall.params import value_converter
from squall.testing import TestClient

TRICKY = [
    "0", "7", "42", "-5", "+5", "007", "00", " 5", "5 ", "1_000", "1e3", "5.0", "", "x",
    "\u0663", "\u00b2", "123456789012345678", "1234567890123456789", "99999999999999999999",
    "-0", "0x10", "\uff11\uff12",  # fullwidth digits
]  # fmt: skip


def outcome(convert: Any, value: Any) -> tuple[str, Any]:
    try:
        return "value", convert(value)
    except msgspec.ValidationError as exc:
        return "error", str(exc)


@pytest.mark.parametrize("annotation", [int, str, float, bool])
@pytest.mark.parametrize("value", [*TRICKY, 5, True, 2.5, None])
def test_conversion_matches_msgspec(annotation: type, value: Any) -> None:
    expected = outcome(lambda v: msgspec.convert(v, annotation, strict=False), value)
    got = outcome(value_converter(annotation), value)
    assert got == expected
    if got[0] == "value":
        assert type(got[1]) is type(expected[1])


def test_random_digit_strings_convert_as_msgspec_does() -> None:
    rng = random.Random(2411)
    convert = value_converter(int)
    for _ in range(3000):
        value = "".join(rng.choice("0123456789-+_ .e") for _ in range(rng.randrange(1, 22)))
        expected = outcome(lambda v: msgspec.convert(v, int, strict=False), value)
        assert outcome(convert, value) == expected, value


def test_query_ints_and_their_errors_through_the_app() -> None:
    app = App()

    @app.get("/page")
    async def page(number: int, size: int = 10) -> dict[str, int]:
        return {"number": number, "size": size}

    with TestClient(app) as client:
        assert client.get("/page?number=3").json() == {"number": 3, "size": 10}
        assert client.get("/page?number=12345&size=0").json() == {"number": 12345, "size": 0}
        bad = client.get("/page?number=007")
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["query", "number"]
