"""Small raw ASGI apps for the process-manager tests: each response names the worker's pid."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

Scope = dict[str, Any]


async def lifespan(receive: Any, send: Any, fail: bool) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if fail:
                await send({"type": "lifespan.startup.failed", "message": "no database here"})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def respond(send: Any, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Any, send: Any) -> None:
    """``/`` answers the pid; ``/slow`` after 1 s; ``/block`` blocks the event loop 5 s."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send, fail=False)
        return
    if scope["path"] == "/slow":
        await asyncio.sleep(1)
    elif scope["path"] == "/block":
        time.sleep(5)  # deliberately stalls the loop: the heartbeat stops
    await respond(send, str(os.getpid()).encode())


async def runtime(scope: Scope, receive: Any, send: Any) -> None:
    """Answers which hot path (compiled or not) and which event loop the worker runs."""
    from squall.server import compiled

    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
    await respond(send, f"{compiled.COMPILED} {loop}".encode())


async def crashing(scope: Scope, receive: Any, send: Any) -> None:
    """Starts fine, then the process dies 0.1 s later: a crash loop."""
    if scope["type"] == "lifespan":
        asyncio.get_running_loop().call_later(0.1, os._exit, 1)
        await lifespan(receive, send, fail=False)
        return
    await respond(send, b"crashing")


async def stuck_startup(scope: Scope, receive: Any, send: Any) -> None:
    """Lifespan startup blocks the event loop for 5 s (a synchronous model load, say)."""
    if scope["type"] == "lifespan":
        time.sleep(5)
        await lifespan(receive, send, fail=False)
        return
    await respond(send, b"late")


async def failing_startup(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send, fail=True)
        return
    await respond(send, b"never")
