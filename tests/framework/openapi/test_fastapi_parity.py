"""The same small app written for FastAPI and for Squall: the two documents are equal but
for the differences Squall means (listed and undone here, each for a reason)."""

from typing import Annotated, Any

import fastapi
import fastapi.security
import pydantic

import squall
import squall.security
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


def undo_validation_error_difference(theirs: dict[str, Any]) -> None:
    """Squall's 422 entries are {"loc", "msg", "type"}: no "input" or "ctx" is ever sent."""
    validation_error = theirs["components"]["schemas"]["ValidationError"]["properties"]
    assert validation_error.pop("input") == {"title": "Input"}
    assert validation_error.pop("ctx") == {"title": "Context", "type": "object"}


def undo_malformed_body_difference(
    ours: dict[str, Any], with_bodies: list[tuple[str, str]]
) -> None:
    """Squall answers a malformed body with a 400 (FastAPI: a 422), and documents it."""
    malformed = {
        "description": "Malformed Body",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MalformedBody"}}},
    }
    for path, method in with_bodies:
        assert ours["paths"][path][method]["responses"].pop("400") == malformed
    assert ours["components"]["schemas"].pop("MalformedBody")["required"] == ["detail"]


def test_documents_agree_but_for_the_meant_differences() -> None:
    ours = check_valid(build(squall).openapi())
    theirs = check_valid(build(fastapi).openapi())
    undo_validation_error_difference(theirs)
    # A parameter's None default is written out (FastAPI leaves it out with a description).
    q_schema = ours["paths"]["/items/{item_id}"]["get"]["parameters"][1]["schema"]
    assert q_schema.pop("default") is None
    undo_malformed_body_difference(
        ours, [("/items", "post"), ("/items/{item_id}", "put"), ("/login", "post")]
    )
    assert ours == theirs


def build_secured(framework: Any, security: Any) -> Any:
    """An app using each security scheme class, in FastAPI's or Squall's spelling."""
    app = fastapi.FastAPI(title="S") if framework is fastapi else squall.App(title="S")
    depends, secured = framework.Depends, framework.Security
    bearer = security.HTTPBearer(description="Token")
    basic = security.HTTPBasic()
    key = security.APIKeyHeader(name="X-Key")
    optional_key = security.APIKeyQuery(name="key", auto_error=False)
    cookie = security.APIKeyCookie(name="session")
    oauth = security.OAuth2PasswordBearer(tokenUrl="token", scopes={"read": "R", "write": "W"})

    async def user(token: Annotated[str, secured(oauth, scopes=["read"])]) -> str:
        return token

    @app.get("/bearer")
    async def with_bearer(credentials: Annotated[object, depends(bearer)]) -> None: ...

    @app.get("/basic", dependencies=[depends(basic)])
    async def with_basic() -> None: ...

    @app.get("/keys")
    async def with_keys(
        header: Annotated[str, depends(key)],
        query: Annotated[str | None, depends(optional_key)],
        session: Annotated[str, depends(cookie)],
    ) -> None: ...

    @app.get("/me")
    async def me(name: Annotated[str, secured(user, scopes=["write"])]) -> None: ...

    @app.post("/token")
    async def token(
        form: Annotated[security.OAuth2PasswordRequestForm, depends()],
    ) -> dict[str, str]:
        return {}

    return app


def test_security_documents_agree_but_for_the_meant_differences() -> None:
    ours = check_valid(build_secured(squall, squall.security).openapi())
    theirs = check_valid(build_secured(fastapi, fastapi.security).openapi())
    assert ours["paths"]["/me"]["get"]["security"] == [{"OAuth2PasswordBearer": ["write", "read"]}]
    undo_validation_error_difference(theirs)
    undo_malformed_body_difference(ours, [("/token", "post")])
    form = ours["components"]["schemas"]["Body_token_token_post"]["properties"]
    for name in ("grant_type", "client_id", "client_secret"):  # None defaults written out
        assert form[name].pop("default") is None
    assert ours == theirs
