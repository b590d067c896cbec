"""The seed's procedure on Litestar (msgspec Struct in and out)."""

from __future__ import annotations

from litestar import Litestar, post

from bench.apps.share import User


@post("/user", status_code=200)
async def create_user(data: User) -> User:
    return User(id=data.id, name=data.name, email=data.email)


app = Litestar(route_handlers=[create_user])
