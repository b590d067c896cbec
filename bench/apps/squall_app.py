"""The seed's procedure on the Squall framework: a typed endpoint, msgspec Struct in and out."""

from __future__ import annotations

from bench.apps.share import User
from squall import App

app = App()


@app.post("/user")
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)
