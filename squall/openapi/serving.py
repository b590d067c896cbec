"""``/openapi.json``: the App's document as bytes, encoded once and answered as they are.

The route is added by the App when ``openapi_url`` is set (``App(openapi_url=None)``: none),
with ``include_in_schema=False`` and none of the app's ``dependencies=`` (as FastAPI's).
Per request it only picks the cached bytes: those of ``app.openapi()`` (which a user may
replace, FastAPI-style, by setting ``app.openapi_schema`` or assigning ``app.openapi``) for
the request's root path, listed as the first server when the server runs under one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from squall.requests import Request
from squall.responses import Response
from squall.router import Declaration

if TYPE_CHECKING:
    from squall.app import App

JSON_MEDIA = "application/json"
_KEPT_ROOTS = 8  # root paths are server settings: a few at most


class ServedDocument:
    """The endpoint of the ``openapi_url`` route, with its bytes cached per root path."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.cache: dict[str, tuple[dict[str, Any], bytes]] = {}

    async def openapi(self, request: Request) -> Response:
        root_path = self.app._root_of(request) if self.app.root_path_in_servers else ""
        return Response(self.encoded(root_path), media_type=JSON_MEDIA)

    def encoded(self, root_path: str) -> bytes:
        document = self.app.openapi()
        cached = self.cache.get(root_path)
        if cached is None or cached[0] is not document:
            if len(self.cache) >= _KEPT_ROOTS:
                self.cache.clear()
            body = msgspec.json.encode(with_root_server(document, root_path))
            cached = self.cache[root_path] = (document, body)
        return cached[1]


def with_root_server(document: dict[str, Any], root_path: str) -> dict[str, Any]:
    """``document`` with a server at ``root_path`` first, unless one is listed already."""
    servers = document.get("servers") or []
    if not root_path or any(server.get("url") == root_path for server in servers):
        return document
    return {**document, "servers": [{"url": root_path}, *servers]}


def make_way(app: App, declaration: Declaration) -> None:
    """A route the app declares for GET at ``openapi_url`` replaces the document's own
    (FastAPI would keep serving its document there, unseen)."""
    if declaration.path != app.openapi_url or "GET" not in declaration.methods:
        return
    table = app.router.static.get(declaration.path, {})
    route = table.get("GET")
    if route is None or not isinstance(getattr(route.endpoint, "__self__", None), ServedDocument):
        return
    for method in (*route.methods, "HEAD"):
        table.pop(method, None)
    app.routes.remove(route)
    app.declarations.remove(route.declaration)  # type: ignore[arg-type]  # an App route's


def add_openapi_route(app: App) -> None:
    """The route at ``app.openapi_url`` answering the document (none when it is None), and
    the one at ``app.asyncapi_url`` answering the WebSocket routes' (squall/asyncapi/)."""
    from squall.asyncapi.serving import add_asyncapi_route

    url = app.openapi_url
    if url is not None:
        served = ServedDocument(app)
        declaration = Declaration(
            url, ("GET",), served.openapi, name="openapi", include_in_schema=False
        )
        app.add(declaration)
    add_asyncapi_route(app)
