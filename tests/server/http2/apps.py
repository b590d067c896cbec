"""ASGI apps the HTTP/2 tests serve, and what they saw (for the tests to check)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from typing import Any

Scope = dict[str, Any]


class Seen:
    """What the app observed, shared with the test thread."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []
        self.disconnected = threading.Event()
        self.body_chunks: list[int] = []
        self.gate: asyncio.Event | None = None  # /held waits for it (set from the server loop)
        self.held = threading.Event()  # a request reached /held
        self.release_loop: asyncio.AbstractEventLoop | None = None

    def release(self) -> None:
        """Let every /held request answer (called from the test thread)."""
        loop, gate = self.release_loop, self.gate
        assert loop is not None and gate is not None
        loop.call_soon_threadsafe(gate.set)


async def read_body(receive: Any, seen: Seen | None = None) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("disconnected")
        parts.append(message.get("body", b""))
        if seen is not None:
            seen.body_chunks.append(len(parts[-1]))
        if not message.get("more_body"):
            return b"".join(parts)


def make_app(seen: Seen) -> Any:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        seen.scopes.append(scope)
        path = scope["path"]
        if path == "/echo":
            body = await read_body(receive, seen)
            digest = hashlib.sha256(body).hexdigest().encode()
            await respond(send, 200, b"%d %s" % (len(body), digest))
        elif path == "/big":
            size = int(scope["query_string"].decode().partition("=")[2])
            await respond(send, 200, b"x" * size)
        elif path == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            for i in range(5):
                await send(
                    {"type": "http.response.body", "body": b"part%d;" % i, "more_body": True}
                )
            await send({"type": "http.response.body", "body": b"end"})
        elif path == "/until-disconnect":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"started", "more_body": True})
            while (await receive())["type"] != "http.disconnect":
                pass
            seen.disconnected.set()
        elif path == "/held":
            if seen.gate is None:
                seen.gate = asyncio.Event()
                seen.release_loop = asyncio.get_running_loop()
            seen.held.set()
            await seen.gate.wait()
            await respond(send, 200, b"released")
        else:
            text = (
                f"{scope['method']} {path} {scope['query_string'].decode()} {scope['http_version']}"
            )
            await respond(send, 200, text.encode())

    return app


async def respond(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def secret_app(scope: Scope, receive: Any, send: Any) -> None:
    """A response with a field HPACK must never index (stream.py's never_indexed)."""
    if scope["type"] != "http":
        return
    headers = [(b"authorization", b"Bearer x")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": scope["http_version"].encode()})
