"""The seed's Starlette app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.apps.share import baseline, endpoint, upload_size, users_list

JSON = "application/json"


async def msgspec_user(request: Request) -> Response:
    return Response(content=endpoint(await request.body()), media_type=JSON)


async def add(request: Request) -> Response:
    query = request.query_params
    return Response(baseline(int(query["a"]), int(query["b"])), media_type=JSON)


async def users(request: Request) -> Response:
    return Response(users_list(), media_type=JSON)


async def upload(request: Request) -> Response:
    return Response(upload_size(len(await request.body())), media_type=JSON)


app = Starlette(
    routes=[
        Route("/user", msgspec_user, methods=["POST"]),
        Route("/baseline", add),
        Route("/users", users),
        Route("/upload", upload, methods=["POST"]),
    ]
)
