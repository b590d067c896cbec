"""The same small app written for FastAPI and for Squall: the two documents are equal but
for the differences Squall means (listed and undone here, each for a reason)."""

from typing import Annotated, Any

import fastapi
import pydantic

import squall
from tests.framework.openapi.documents import check_valid, needs_validator

pytestmark = needs_validator


class Item(pydantic.BaseModel):
    name: str
    price: float = pydantic.Field(gt=0)
    tags: list[str] = []


def build(framework: Any) -> Any:
    """One app, in FastAPI's or Squall's spelling (the same code but for the class)."""
    app = fastapi.FastAPI(title="Store") if framework is fastapi else squall.App(title="Store")
    query, header, body, form = framework.Query, framework.Header, framework.Body, framework.Form

    @app.get("/items/{item_id}", tags=["items"])
    async def read_item(
        item_id: int,
        q: Annotated[str | None, query(max_length=5, description="Search")] = None,
        x_token: Annotated[str, header()] = "t",
        limit: int = 10,
    ) -> Item:
        """Read it."""
        raise NotImplementedError

    @app.post("/items", status_code=201, responses={404: {"description": "Missing"}})
    async def create_item(item: Item) -> Item:
        return item

    @app.put("/items/{item_id}", deprecated=True)
    async def update(item_id: int, item: Item, note: Annotated[str, body()]) -> None: ...

    @app.post("/login")
    async def login(
        username: Annotated[str, form()], password: Annotated[str, form()]
    ) -> dict[str, str]:
        return {}

    @app.get("/tags", summary="By tags")
    async def tags(t: Annotated[list[str], query()] = []) -> list[Item]:  # noqa: B006
        return []

    @app.delete("/items/{item_id}", status_code=204, include_in_schema=True)
    async def remove(item_id: int) -> None: ...

    @app.get("/hidden", include_in_schema=False)
    async def hidden() -> None: ...

    return app


def test_documents_agree_but_for_the_meant_differences() -> None:
    ours = check_valid(build(squall).openapi())
    theirs = check_valid(build(fastapi).openapi())
    # Squall's 422 entries are {"loc", "msg", "type"}: no "input" or "ctx" is ever sent.
    validation_error = theirs["components"]["schemas"]["ValidationError"]["properties"]
    assert validation_error.pop("input") == {"title": "Input"}
    assert validation_error.pop("ctx") == {"title": "Context", "type": "object"}
    # A parameter's None default is written out (FastAPI leaves it out with a description).
    q_schema = ours["paths"]["/items/{item_id}"]["get"]["parameters"][1]["schema"]
    assert q_schema.pop("default") is None
    assert ours == theirs
