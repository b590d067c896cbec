"""Path, query, header and cookie parameters written the FastAPI way."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest

from squall import App, Body, Cookie, Header, Path, Query
from squall.sources import Source
from tests.compat.conftest import ClientFor

Positive = Annotated[int, msgspec.Meta(ge=1)]  # module level: the tests' annotations are strings


def test_ellipsis_means_required(client_for: ClientFor) -> None:
    app = App()

    @app.get("/items/{item_id}")
    async def read_item(
        item_id: int = Path(...),
        q: str = Query(...),
        size: int = Query(default=...),
        x_token: str = Header(...),
        session: str = Cookie(...),
    ) -> dict[str, object]:
        return {"item_id": item_id, "q": q, "size": size, "token": x_token, "session": session}

    client = client_for(app)
    missing = client.get("/items/1")
    assert missing.status_code == 422
    locs = [error["loc"] for error in missing.json()["detail"]]
    assert locs == [["query", "q"], ["query", "size"], ["header", "x-token"], ["cookie", "session"]]
    assert all(error["type"] == "missing" for error in missing.json()["detail"])
    given = client.get("/items/1?q=a&size=2", headers={"x-token": "t", "cookie": "session=s"})
    assert given.json() == {"item_id": 1, "q": "a", "size": 2, "token": "t", "session": "s"}


def test_plain_ellipsis_default_is_required(client_for: ClientFor) -> None:
    app = App()

    @app.get("/search")
    async def search(q: str = ...) -> dict[str, str]:  # type: ignore[assignment]
        return {"q": q}

    client = client_for(app)
    assert client.get("/search").status_code == 422
    assert client.get("/search?q=x").json() == {"q": "x"}


def test_msgspec_meta_is_checked_everywhere(client_for: ClientFor) -> None:
    app = App()

    @app.get("/pages/{page}")
    async def read_page(
        page: Positive,
        size: Positive = 10,
        x_depth: Annotated[Positive, Header()] = 1,
        level: Annotated[Positive, Cookie()] = 1,
    ) -> dict[str, int]:
        return {"page": page, "size": size, "depth": x_depth, "level": level}

    client = client_for(app)
    assert client.get("/pages/2?size=3").json() == {"page": 2, "size": 3, "depth": 1, "level": 1}
    for url, headers, loc in [
        ("/pages/0", {}, ["path", "page"]),
        ("/pages/1?size=0", {}, ["query", "size"]),
        ("/pages/1", {"x-depth": "0"}, ["header", "x-depth"]),
        ("/pages/1", {"cookie": "level=0"}, ["cookie", "level"]),
    ]:
        response = client.get(url, headers=headers)
        assert response.status_code == 422, url
        assert [e["loc"] for e in response.json()["detail"]] == [loc]


def test_fastapi_check_keywords(client_for: ClientFor) -> None:
    app = App()

    @app.get("/items/{item_id}")
    async def read_item(
        item_id: Annotated[int, Path(gt=0, le=1000)],
        q: Annotated[str | None, Query(min_length=3, max_length=5, pattern="^fix")] = None,
        code: Annotated[str | None, Query(regex="^[A-Z]+$")] = None,
        ratio: Annotated[float, Query(ge=0, lt=1)] = 0.5,
        tags: Annotated[list[str], Query(max_length=2)] = [],  # noqa: B006
    ) -> dict[str, object]:
        return {"item_id": item_id, "q": q, "code": code, "ratio": ratio, "tags": tags}

    client = client_for(app)
    ok = client.get("/items/5?q=fixed&code=AB&ratio=0&tags=a&tags=b")
    assert ok.json() == {"item_id": 5, "q": "fixed", "code": "AB", "ratio": 0, "tags": ["a", "b"]}
    for url, loc in [
        ("/items/0", ["path", "item_id"]),
        ("/items/1001", ["path", "item_id"]),
        ("/items/1?q=fi", ["query", "q"]),
        ("/items/1?q=fixeds", ["query", "q"]),
        ("/items/1?q=nofix", ["query", "q"]),
        ("/items/1?code=ab", ["query", "code"]),
        ("/items/1?ratio=1", ["query", "ratio"]),
        ("/items/1?ratio=-0.1", ["query", "ratio"]),
        ("/items/1?tags=a&tags=b&tags=c", ["query", "tags"]),
    ]:
        response = client.get(url)
        assert response.status_code == 422, url
        assert [e["loc"] for e in response.json()["detail"]] == [loc], url


def test_header_underscores(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def read(
        x_token: Annotated[str, Header()],
        strange_header: Annotated[str | None, Header(convert_underscores=False)] = None,
        auth: Annotated[str | None, Header(alias="X-Auth_Key")] = None,
    ) -> dict[str, str | None]:
        return {"token": x_token, "strange": strange_header, "auth": auth}

    client = client_for(app)
    headers = {"X-Token": "t", "strange_header": "s", "x-auth_key": "k"}
    assert client.get("/", headers=headers).json() == {"token": "t", "strange": "s", "auth": "k"}
    assert client.get("/", headers={"x_token": "t"}).status_code == 422
    no_strange = client.get("/", headers={"x-token": "t", "strange-header": "s"})
    assert no_strange.json() == {"token": "t", "strange": None, "auth": None}


def test_documentation_keywords_are_kept() -> None:
    declared = Query(
        None,
        alias="q",
        title="Query",
        description="What to look for",
        examples=["fix"],
        deprecated=True,
        include_in_schema=False,
    )
    assert isinstance(declared, Source)
    assert (declared.title, declared.description, declared.examples) == (
        "Query",
        "What to look for",
        ["fix"],
    )
    assert declared.deprecated is True and declared.include_in_schema is False
    body = Body(
        openapi_examples={"one": {"value": 1}},
        json_schema_extra={"x": 1},
        media_type="application/vnd.api+json",
    )
    assert body.openapi_examples == {"one": {"value": 1}} and body.json_schema_extra == {"x": 1}
    assert body.media_type == "application/vnd.api+json"
    app = App()

    @app.get("/")
    async def read(q: str | None = declared) -> dict[str, str | None]:
        return {"q": q}

    (route,) = [route for route in app.routes if route.endpoint is read]
    assert route.extractors[0].source is declared


def test_checks_that_do_not_fit_the_type_fail_at_declaration() -> None:
    app = App()
    with pytest.raises(TypeError, match="don't fit"):

        @app.get("/")
        async def read(q: Annotated[str, Query(ge=1)]) -> str:
            return q


def test_repeated_header_lines_are_a_list(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def read(x_token: Annotated[list[str], Header()]) -> dict[str, list[str]]:
        return {"tokens": x_token}

    client = client_for(app)
    response = client.get("/", headers=[("x-token", "a"), ("x-token", "b,c")])
    assert response.json() == {"tokens": ["a", "b,c"]}
    assert client.get("/").status_code == 422


def test_optional_lists(client_for: ClientFor) -> None:
    app = App()

    @app.get("/")
    async def read(
        v: list[int] | None = Query(None),  # noqa: B008
        x_tag: Annotated[list[str] | None, Header()] = None,
    ) -> dict[str, object]:
        return {"v": v, "tags": x_tag}

    client = client_for(app)
    assert client.get("/").json() == {"v": None, "tags": None}
    both = client.get("/?v=1&v=2", headers=[("x-tag", "a"), ("x-tag", "b")])
    assert both.json() == {"v": [1, 2], "tags": ["a", "b"]}
    bad = client.get("/?v=1&v=x")
    assert [e["loc"] for e in bad.json()["detail"]] == [["query", "v", 1]]


def test_int_path_converter_takes_ascii_digits_only(client_for: ClientFor) -> None:
    app = App()

    @app.get("/items/{n:int}")
    async def read(n: int) -> dict[str, int]:
        return {"n": n}

    @app.get("/ratios/{x:float}")
    async def ratio(x: float) -> dict[str, float]:
        return {"x": x}

    client = client_for(app)
    assert client.get("/items/42").json() == {"n": 42}
    assert client.get("/items/\u0663").status_code == 404  # ARABIC-INDIC DIGIT THREE
    assert client.get("/items/\u00b2").status_code == 404  # SUPERSCRIPT TWO
    assert client.get("/items/-1").status_code == 404
    assert client.get("/ratios/1.5").json() == {"x": 1.5}
    assert client.get("/ratios/\u0663.5").status_code == 404
