"""Query strings split like urllib's parse_qsl (keep_blank_values), escapes or not."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl

import pytest

from squall.requests import QueryParams, parse_query

CASES = [
    b"",
    b"a=1&b=2",
    b"a=1&a=2&b",
    b"a=&=b&&c==d&",
    b"q=caf%C3%A9&x=%2B1+2",
    b"name=a+b&plus=%2b",
    b"\xe9t\xe9=1",  # raw latin-1 bytes, no escapes
    b"a;b=1",  # ';' is not a separator
]


@pytest.mark.parametrize("query", CASES)
def test_parse_query_matches_parse_qsl(query: bytes) -> None:
    assert parse_query(query) == parse_qsl(query.decode("latin-1"), keep_blank_values=True)


def test_random_queries_match_parse_qsl() -> None:
    rng = random.Random(1124)
    alphabet = b"ab=&%+2F;x"
    for _ in range(2000):
        query = bytes(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        expected = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        assert parse_query(query) == expected, query


def test_query_params_last_and_all_values() -> None:
    params = QueryParams(b"a=1&b=x+y&a=2")  # a repeated name gives its last value, as Starlette
    assert params.get("a") == "2" and params.getlist("a") == ["1", "2"]
    assert params.get("b") == "x y" and "b" in params and params.get("c", 0) == 0
