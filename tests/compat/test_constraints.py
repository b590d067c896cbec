"""pydantic ``Field(...)`` and annotated_types constraints inside ``Annotated[...]`` on path,
query, header and cookie parameters, and in dependencies: checked, or refused when declared."""

from __future__ import annotations

from typing import Annotated

import annotated_types as at
import pytest
from pydantic import Field

from squall import App, Cookie, Depends, Header, Query
from tests.compat.conftest import ClientFor

PositiveId = Annotated[int, at.Gt(0)]
ShortName = Annotated[str, Field(min_length=2, max_length=4)]
Digit = Annotated[int, at.Interval(ge=1, le=9)]
FewTags = Annotated[list[str], at.MaxLen(2)]
SmallPage = Annotated[int, Field(gt=0, le=50)]
Code = Annotated[str, Field(pattern=r"^[a-z]+$")]
Sized = Annotated[str, at.Len(2, 3)]
Even = Annotated[int, at.MultipleOf(2)]
Aliased = Annotated[str, Field(alias="item-query")]
Refused = Annotated[int, at.Predicate(lambda value: value > 0)]
Strict = Annotated[int, Field(strict=True)]


def test_path_annotated_types(client_for: ClientFor) -> None:
    app = App()

    @app.get("/items/{item_id}")
    async def read_item(item_id: PositiveId) -> dict[str, int]:
        return {"item_id": item_id}

    client = client_for(app)
    bad = client.get("/items/0")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["path", "item_id"]
    assert client.get("/items/3").json() == {"item_id": 3}


def test_query_pydantic_field(client_for: ClientFor) -> None:
    app = App()

    @app.get("/search")
    async def search(
        q: ShortName, page: SmallPage = 1, code: Code = "abc", tags: FewTags | None = None
    ) -> dict[str, object]:
        return {"q": q, "page": page, "code": code, "tags": tags}

    client = client_for(app)
    for query in (
        "q=a",
        "q=abcde",
        "q=ab&page=0",
        "q=ab&page=51",
        "q=ab&code=A1",
        "q=ab&tags=x&tags=y&tags=z",
    ):
        response = client.get(f"/search?{query}")
        assert response.status_code == 422, query
        assert response.json()["detail"][0]["loc"][0] == "query"
    good = client.get("/search?q=abc&page=50&code=xy&tags=x&tags=y")
    assert good.json() == {"q": "abc", "page": 50, "code": "xy", "tags": ["x", "y"]}


def test_header_and_cookie_constraints(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def read(
        x_level: Annotated[Digit, Header()], session: Annotated[Sized, Cookie()]
    ) -> dict[str, object]:
        return {"level": x_level, "session": session}

    client = client_for(app)
    bad = client.get("/", headers={"x-level": "10", "cookie": "session=abcd"})
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [
        ["header", "x-level"],
        ["cookie", "session"],
    ]
    good = client.get("/", headers={"x-level": "9", "cookie": "session=abc"})
    assert good.json() == {"level": 9, "session": "abc"}


def test_constraint_next_to_query(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def read(n: Annotated[int, Query(alias="num"), at.MultipleOf(2)]) -> int:
        return n

    client = client_for(app)
    assert client.get("/?num=3").status_code == 422
    assert client.get("/?num=4").json() == 4


def test_dependency_constraints(client_for: ClientFor) -> None:
    app = App()

    async def pagination(skip: Even = 0, limit: SmallPage = 10) -> dict[str, int]:
        return {"skip": skip, "limit": limit}

    @app.get("/items")
    async def items(page: dict[str, int] = Depends(pagination)) -> dict[str, int]:
        return page

    client = client_for(app)
    bad = client.get("/items?skip=1&limit=100")
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["query", "skip"], ["query", "limit"]]
    assert client.get("/items?skip=2&limit=5").json() == {"skip": 2, "limit": 5}


def test_field_alias(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def read(q: Aliased = "none") -> str:
        return q

    client = client_for(app)
    assert client.get("/?item-query=x").json() == "x"
    assert client.get("/?q=x").json() == "none"


def test_unsupported_constraint_is_refused() -> None:
    app = App()

    async def predicate(q: Refused) -> int:
        return 0

    async def strict(q: Strict) -> int:
        return 0

    for endpoint in (predicate, strict):
        with pytest.raises(TypeError, match="parameter 'q'"):
            app.get("/")(endpoint)
