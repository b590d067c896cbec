"""The Squall framework app with 1,000 more routes around POST /user (routing cost check)."""

from __future__ import annotations

from bench.apps.share import User
from squall import App

app = App()


def _add_routes(first: int, last: int) -> None:
    for i in range(first, last):

        async def static_route() -> int:
            return 0

        async def param_route(item_id: int) -> int:
            return item_id

        app.get(f"/static/{i}")(static_route)
        app.get(f"/items{i}/{{item_id:int}}")(param_route)


_add_routes(0, 250)


@app.post("/user")
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)


_add_routes(250, 500)  # 1,000 routes in all besides /user
