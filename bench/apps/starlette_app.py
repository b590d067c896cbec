"""The seed's Starlette app."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.apps.share import endpoint


async def msgspec_user(request: Request) -> Response:
    return Response(content=endpoint(await request.body()), media_type="application/json")


app = Starlette(routes=[Route("/user", msgspec_user, methods=["POST"])])
