"""The seed's procedure on Litestar (msgspec Struct in and out)."""

from __future__ import annotations

from litestar import Litestar, Request, get, post

from bench.apps.share import USERS, User


@post("/user", status_code=200)
async def create_user(data: User) -> User:
    return User(id=data.id, name=data.name, email=data.email)


app = Litestar(route_handlers=[create_user])


@get("/baseline")
async def add(a: int, b: int) -> int:
    return a + b


@get("/users")
async def users() -> list[User]:
    return USERS


@post("/upload", status_code=200)
async def upload(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


app.register(add)
app.register(users)
app.register(upload)
