"""The FastAPI app with 1,000 more routes around POST /user (routing cost check)."""

from __future__ import annotations

from fastapi import FastAPI

from bench.apps.fastapi_app import pydantic_user

app = FastAPI()


def _add_routes(first: int, last: int) -> None:
    for i in range(first, last):

        async def static_route() -> int:
            return 0

        async def param_route(item_id: int) -> int:
            return item_id

        app.get(f"/static/{i}")(static_route)
        app.get(f"/items{i}/{{item_id}}")(param_route)


_add_routes(0, 250)
app.post("/user")(pydantic_user)
_add_routes(250, 500)
