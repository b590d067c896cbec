"""The seed's procedure on lihil (msgspec Struct in and out), as its author benchmarked it."""

# No "from __future__ import annotations": lihil reads the annotations as objects.

from lihil import Lihil, Request, Route

from bench.apps.share import USERS, User

user_route = Route("/user")


@user_route.post
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)


app = Lihil(user_route)


baseline_route = Route("/baseline")
users_route = Route("/users")
upload_route = Route("/upload")


@baseline_route.get
async def add(a: int, b: int) -> int:
    return a + b


@users_route.get
async def users() -> list[User]:
    return USERS


@upload_route.post
async def upload(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


app.include_routes(baseline_route, users_route, upload_route)
