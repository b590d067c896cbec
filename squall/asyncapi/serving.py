"""``/asyncapi.json``: the AsyncAPI document's bytes, encoded once and answered as they are.

The route is added by the App when ``asyncapi_url`` is set (``App(asyncapi_url=None)``:
none), outside the OpenAPI document and without the app's ``dependencies=``, as the
``openapi_url`` route.  An app without a WebSocket route in the schema has nothing to
describe: the URL answers 404 (``app.asyncapi()`` still returns the empty document).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from squall.exceptions import HTTPException
from squall.requests import Request
from squall.responses import Response
from squall.router import Declaration

if TYPE_CHECKING:
    from squall.app import App

JSON_MEDIA = "application/json"


class ServedAsyncAPI:
    """The endpoint of the ``asyncapi_url`` route, with the document's bytes cached."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.cached: tuple[dict[str, Any], bytes] | None = None

    async def asyncapi(self, request: Request) -> Response:
        document = self.app.asyncapi()
        if not document.get("channels"):
            raise HTTPException(404)
        if self.cached is None or self.cached[0] is not document:
            self.cached = (document, msgspec.json.encode(document))
        return Response(self.cached[1], media_type=JSON_MEDIA)


def add_asyncapi_route(app: App) -> None:
    """The route at ``app.asyncapi_url`` answering the document (none when it is None)."""
    url = app.asyncapi_url
    if url is None:
        return
    served = ServedAsyncAPI(app)
    app.add(Declaration(url, ("GET",), served.asyncapi, name="asyncapi", include_in_schema=False))
