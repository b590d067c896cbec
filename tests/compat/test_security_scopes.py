"""``Security(dep, scopes=[...])`` and ``SecurityScopes``, as FastAPI's OAuth2 scopes tutorial
uses them.

No ``from __future__ import annotations``: the dependencies are local functions.
"""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from squall import App, Depends, Header, HTTPException, Security, SecurityScopes
from tests.compat.conftest import ClientFor

TOKENS = {"alice-token": ["me", "items"], "bob-token": ["me"]}


def test_a_dependency_receives_the_scopes_of_its_dependants(client_for: ClientFor) -> None:
    app = App()
    sessions: list[int] = []

    async def database() -> AsyncIterator[int]:
        sessions.append(len(sessions) + 1)
        yield sessions[-1]

    async def get_current_user(
        security_scopes: SecurityScopes,
        authorization: Annotated[str, Header()],
        db: Annotated[int, Depends(database)],
    ) -> dict[str, Any]:
        granted = TOKENS.get(authorization, [])
        for scope in security_scopes.scopes:
            if scope not in granted:
                raise HTTPException(
                    401,
                    "Not enough permissions",
                    headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
                )
        return {"token": authorization, "scopes": security_scopes.scopes}

    async def get_current_active_user(
        user: Annotated[dict[str, Any], Security(get_current_user, scopes=["me"])],
    ) -> dict[str, Any]:
        return user

    @app.get("/users/me/items/")
    async def read_own_items(
        user: Annotated[dict[str, Any], Security(get_current_active_user, scopes=["items"])],
        db: Annotated[int, Depends(database)],
    ) -> Any:
        return {"user": user, "db": db}

    @app.get("/status/")
    async def read_system_status(
        user: Annotated[dict[str, Any], Depends(get_current_user)],
    ) -> Any:
        return user["scopes"]

    client = client_for(app)
    alice = client.get("/users/me/items/", headers={"authorization": "alice-token"})
    assert alice.json() == {"user": {"token": "alice-token", "scopes": ["items", "me"]}, "db": 1}
    assert sessions == [1]  # one session for the request, however it is reached
    bob = client.get("/users/me/items/", headers={"authorization": "bob-token"})
    assert bob.status_code == 401
    assert bob.headers["www-authenticate"] == 'Bearer scope="items me"'
    assert client.get("/status/", headers={"authorization": "bob-token"}).json() == []
