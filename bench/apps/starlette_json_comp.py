"""--json-comp on Starlette: GET /items (50 items) behind Starlette's GZipMiddleware."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.apps.share import items_list


async def items(request: Request) -> Response:
    return Response(items_list(), media_type="application/json")


app = Starlette(routes=[Route("/items", items)], middleware=[Middleware(GZipMiddleware)])
