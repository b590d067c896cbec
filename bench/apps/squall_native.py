"""The seed's procedure as a bare native handler on Squall's server: no framework at all.

What Squall's server costs on its own, under the framework: the request comes as the
server's native request (squall/native.py) and the answer leaves through
``respond()``, with nothing between them but the seed's decode, new User and encode.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from bench.apps.share import baseline, endpoint, upload_size, users_list
from squall.native import NativeHandler, NativeRequest

JSON = [(b"content-type", b"application/json")]


async def answer(request: NativeRequest) -> None:
    body = request.ready_body()
    if body is None:  # not all there yet (an upload): wait for the rest
        body = await request.body()
    path = request.path
    if path == "/user":
        res = endpoint(body)
    elif path == "/baseline":
        query = parse_qs(request.query_string.decode())
        res = baseline(int(query["a"][0]), int(query["b"][0]))
    elif path == "/users":
        res = users_list()
    else:  # /upload
        res = upload_size(len(body))
    request.respond(200, JSON, res)


class BareNativeApp:
    """Serves ``answer`` natively on Squall's server; to any other server, only lifespan."""

    def __squall_native__(self) -> NativeHandler:
        return answer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            raise RuntimeError("this app runs on Squall's server only (its native path)")
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return


app = BareNativeApp()
