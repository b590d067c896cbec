"""The seed's procedure on the Squall framework: a typed endpoint, msgspec Struct in and out."""

from __future__ import annotations

from bench.apps.share import USERS, User
from squall import App, Request

app = App()


@app.post("/user")
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)


@app.get("/baseline")
async def add(a: int, b: int) -> int:
    return a + b


@app.get("/users")
async def users() -> list[User]:
    return USERS


@app.post("/upload")
async def upload(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}
