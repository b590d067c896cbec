"""The Squall framework app with 1,000 more routes around POST /user (routing cost check)."""

from __future__ import annotations

from bench.apps.filler import add_filler_routes
from bench.apps.share import User
from squall import App

app = App()


add_filler_routes(app, 0, 250)


@app.post("/user")
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)


add_filler_routes(app, 250, 500)  # 1,000 routes in all besides /user
