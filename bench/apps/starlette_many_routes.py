"""The Starlette app with 1,000 more routes around POST /user (routing cost check)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.apps.starlette_app import msgspec_user


async def other(request: Request) -> Response:
    return Response(b"0")


def _routes(first: int, last: int) -> list[Route]:
    routes = []
    for i in range(first, last):
        routes.append(Route(f"/static/{i}", other))
        routes.append(Route(f"/items{i}/{{item_id:int}}", other))
    return routes


app = Starlette(
    routes=[*_routes(0, 250), Route("/user", msgspec_user, methods=["POST"]), *_routes(250, 500)]
)
