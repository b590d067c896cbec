"""The seed's procedure on BlackSheep (raw body in, msgspec encoding out)."""

from __future__ import annotations

from blacksheep import Application, Content, Request, Response

from bench.apps.share import baseline, endpoint, upload_size, users_list

app = Application()


@app.router.post("/user")
async def create_user(request: Request) -> Response:
    body = await request.read() or b""
    return Response(200, content=Content(b"application/json", endpoint(body)))


@app.router.get("/baseline")
async def add(request: Request) -> Response:
    a, b = int(request.query["a"][0]), int(request.query["b"][0])
    return Response(200, content=Content(b"application/json", baseline(a, b)))


@app.router.get("/users")
async def users() -> Response:
    return Response(200, content=Content(b"application/json", users_list()))


@app.router.post("/upload")
async def upload(request: Request) -> Response:
    size = len(await request.read() or b"")
    return Response(200, content=Content(b"application/json", upload_size(size)))
