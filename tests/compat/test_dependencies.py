"""FastAPI dependency code, ported by its imports: classes, the Depends() shorthand,
overrides, path parameters in dependencies, app-wide dependencies and their order, caching.

No ``from __future__ import annotations``: the dependencies are local, and string
annotations could not name them.
"""

from typing import Annotated, Any

import pytest

from squall import App, Depends, Header, HTTPException, Router
from tests.compat.conftest import ClientFor


class CommonQueryParams:
    def __init__(self, q: str | None = None, skip: int = 0, limit: int = 100) -> None:
        self.q = q
        self.skip = skip
        self.limit = limit


def test_a_class_dependency_reads_its_init_parameters(client_for: ClientFor) -> None:
    app = App()

    async def tenant(x_tenant: Annotated[str, Header()]) -> str:
        return x_tenant

    class Scoped:
        def __init__(self, owner: Annotated[str, Depends(tenant)], page: int = 1) -> None:
            self.owner = owner
            self.page = page

    @app.get("/items/")
    async def read_items(commons: CommonQueryParams = Depends(CommonQueryParams)) -> Any:
        return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}

    @app.get("/scoped")
    def read_scoped(scoped: Annotated[Scoped, Depends(Scoped)]) -> Any:
        return {"owner": scoped.owner, "page": scoped.page}

    client = client_for(app)
    assert client.get("/items/?q=foo&skip=5").json() == {"q": "foo", "skip": 5, "limit": 100}
    assert client.get("/items/").json() == {"q": None, "skip": 0, "limit": 100}
    bad = client.get("/items/?limit=many")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "limit"]
    scoped = client.get("/scoped?page=3", headers={"x-tenant": "acme"})
    assert scoped.json() == {"owner": "acme", "page": 3}
    assert client.get("/scoped").status_code == 422  # the nested Depends' header is required


def test_depends_without_a_callable_uses_the_annotation(client_for: ClientFor) -> None:
    app = App()

    @app.get("/annotated")
    async def annotated(commons: Annotated[CommonQueryParams, Depends()]) -> Any:
        return [commons.q, commons.skip]

    @app.get("/default")
    async def default(commons: CommonQueryParams = Depends()) -> Any:
        return [commons.q, commons.limit]

    client = client_for(app)
    assert client.get("/annotated?q=a&skip=2").json() == ["a", 2]
    assert client.get("/default?q=b&limit=7").json() == ["b", 7]


def test_dependency_overrides_can_be_reassigned_and_cleared(client_for: ClientFor) -> None:
    app = App()

    async def current_user() -> str:
        return "alice"

    async def fake_user() -> str:
        return "tester"

    @app.get("/me")
    async def me(user: Annotated[str, Depends(current_user)]) -> str:
        return user

    client = client_for(app)
    app.dependency_overrides[current_user] = fake_user
    assert client.get("/me").json() == "tester"
    app.dependency_overrides = {}  # the usual teardown between FastAPI tests
    assert client.get("/me").json() == "alice"
    app.dependency_overrides = {current_user: fake_user}
    assert client.get("/me").json() == "tester"
    app.dependency_overrides.clear()
    assert client.get("/me").json() == "alice"


def test_a_dependency_reads_the_routes_path_parameters(client_for: ClientFor) -> None:
    app = App()  # lifespan runs in both clients: app-scoped dependencies are made at startup

    async def item(item_id: int) -> dict[str, int]:  # a path name here, a query one elsewhere
        return {"item_id": item_id}

    @app.get("/items/{item_id}")
    async def read_item(found: Annotated[dict[str, int], Depends(item)]) -> Any:
        return found

    @app.get("/lookup")
    async def lookup(found: Annotated[dict[str, int], Depends(item)]) -> Any:
        return found

    client = client_for(app)
    assert client.get("/items/3").json() == {"item_id": 3}
    assert client.get("/lookup?item_id=4").json() == {"item_id": 4}
    assert client.get("/items/x").json()["detail"][0]["loc"] == ["path", "item_id"]


def test_app_router_and_route_dependencies_run_first_in_order(client_for: ClientFor) -> None:
    log: list[str] = []

    def step(name: str) -> Any:
        async def record() -> None:
            log.append(name)

        return Depends(record)

    async def verify_token(x_token: Annotated[str, Header()]) -> None:
        if x_token != "secret":
            raise HTTPException(400, "X-Token header invalid")

    app = App(dependencies=[Depends(verify_token), step("app")])
    router = Router(prefix="/r", dependencies=[step("router")])

    async def param() -> str:
        log.append("parameter")
        return "p"

    @router.get("/x", dependencies=[step("route")])
    async def x(p: Annotated[str, Depends(param)]) -> list[str]:
        log.append("endpoint")
        return log

    @app.get("/plain")
    async def plain() -> str:
        return "plain"

    app.include_router(router, dependencies=[step("include")])
    client = client_for(app)
    assert client.get("/plain").status_code == 422  # the app's dependency needs X-Token
    assert client.get("/plain", headers={"x-token": "nope"}).json() == {
        "detail": "X-Token header invalid"
    }
    assert client.get("/plain", headers={"x-token": "secret"}).json() == "plain"
    log.clear()
    answer = client.get("/r/x", headers={"x-token": "secret"}).json()
    assert answer == ["app", "include", "router", "route", "parameter", "endpoint"]


def test_use_cache_false_runs_again_and_its_value_is_cached_for_later_uses(
    client_for: ClientFor,
) -> None:
    app = App()
    calls: list[int] = []

    async def counter() -> int:
        calls.append(1)
        return len(calls)

    @app.get("/count")
    async def count(
        first: Annotated[int, Depends(counter, use_cache=False)],
        cached: Annotated[int, Depends(counter)],
        again: Annotated[int, Depends(counter, use_cache=False)],
    ) -> list[int]:
        return [first, cached, again]

    client = client_for(app)
    # As in FastAPI: the uncached call's value fills the cache for the cached use.
    assert client.get("/count").json() == [1, 1, 2]


def test_a_callable_instance_is_a_dependency(client_for: ClientFor) -> None:
    class FixedContentQueryChecker:
        def __init__(self, fixed_content: str) -> None:
            self.fixed_content = fixed_content

        async def __call__(self, q: str = "") -> bool:
            return self.fixed_content in q

    checker = FixedContentQueryChecker("bar")
    app = App()

    @app.get("/query-checker/")
    async def read_query_check(fixed_content_included: bool = Depends(checker)) -> Any:
        return {"fixed_content_in_query": fixed_content_included}

    client = client_for(app)
    assert client.get("/query-checker/?q=foobar").json() == {"fixed_content_in_query": True}
    assert client.get("/query-checker/?q=foo").json() == {"fixed_content_in_query": False}


def test_depends_without_a_callable_needs_a_class_annotation() -> None:
    app = App()
    with pytest.raises(TypeError, match="no dependency"):

        @app.get("/")
        async def broken(value: Any = Depends()) -> Any:
            return value
