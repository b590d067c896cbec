"""Apps for the graceful-shutdown-under-load test, served by ``python -m squall``.

Each request carries an ``x-id`` header; the app appends the id to the file named by
``SQUALL_ENTERED_LOG`` as it starts on the request, so the test knows every request the
server accepted and handed to the app.  Paths: ``/`` answers at once, ``/slow`` after
200 ms, ``/count`` with the length of the request body.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from squall import App, Request

SLOW = 0.2
_log = open(os.environ.get("SQUALL_ENTERED_LOG", os.devnull), "a", buffering=1)  # noqa: SIM115


def entered(request_id: str) -> None:
    _log.write(request_id + "\n")  # one line per write: appends from two workers don't mix


async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = dict(scope["headers"])
    entered(headers.get(b"x-id", b"-").decode())
    size = 0
    more = True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"] == "/slow":
        await asyncio.sleep(SLOW)
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


framework = App()


@framework.get("/")
async def root(request: Request) -> int:
    entered(request.headers.get("x-id", "-"))
    return 0


@framework.get("/slow")
async def slow(request: Request) -> int:
    entered(request.headers.get("x-id", "-"))
    await asyncio.sleep(SLOW)
    return 0


@framework.post("/count")
async def count(request: Request) -> int:
    entered(request.headers.get("x-id", "-"))
    return len(await request.body())
