"""The seed's procedure on BlackSheep (raw body in, msgspec encoding out)."""

from __future__ import annotations

from blacksheep import Application, Content, Request, Response

from bench.apps.share import endpoint

app = Application()


@app.router.post("/user")
async def create_user(request: Request) -> Response:
    body = await request.read() or b""
    return Response(200, content=Content(b"application/json", endpoint(body)))
