"""The seeds' endpoint: POST /user decodes a User, makes a new User from it, answers it.

Serve it with ``squall examples.users:app`` (on Squall's server the framework's native path
is used) or under any ASGI server (``uvicorn examples.users:app``).
"""

from __future__ import annotations

import msgspec

from squall import App


class User(msgspec.Struct):
    id: int
    name: str
    email: str


app = App()


@app.post("/user")
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)
