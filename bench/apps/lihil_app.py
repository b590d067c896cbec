"""The seed's procedure on lihil (msgspec Struct in and out), as its author benchmarked it."""

# No "from __future__ import annotations": lihil reads the annotations as objects.

from lihil import Lihil, Route

from bench.apps.share import User

user_route = Route("/user")


@user_route.post
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)


app = Lihil(user_route)
