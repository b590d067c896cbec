"""Small ASGI apps the server tests run (also importable by a server subprocess)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from typing import Any

Scope = dict[str, Any]


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("client gone")
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body


async def respond(send: Any, status: int, body: bytes, headers: list[Any] | None = None) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


async def echo(scope: Scope, receive: Any, send: Any) -> None:
    """Answers with the request body, and the scope (minus bytes) in a header."""
    if scope["type"] != "http":
        return
    body = await read_body(receive)
    await respond(send, 200, body, [(b"content-type", b"application/octet-stream")])


async def scope_json(scope: Scope, receive: Any, send: Any) -> None:
    """Answers with the request scope as JSON (bytes decoded as latin-1)."""
    if scope["type"] != "http":
        return

    def plain(value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode("latin-1")
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    await read_body(receive)
    await respond(
        send, 200, json.dumps(plain(scope)).encode(), [(b"content-type", b"application/json")]
    )


async def router(scope: Scope, receive: Any, send: Any) -> None:
    """A handful of behaviours, picked by path."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one,", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b""})
    elif path == "/big":
        size = int(scope["query_string"] or b"1000000")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        chunk = b"x" * 65536
        sent = 0
        while sent < size:
            part = chunk[: size - sent]
            sent += len(part)
            await send({"type": "http.response.body", "body": part, "more_body": sent < size})
    elif path == "/no-read":
        await respond(send, 200, b"did not read")
    elif path == "/count":
        total = 0
        while True:
            message = await receive()
            total += len(message.get("body", b""))
            await asyncio.sleep(0)
            if not message.get("more_body"):
                break
        await respond(send, 200, str(total).encode())
    elif path == "/error-before":
        raise RuntimeError("boom before the response")
    elif path == "/error-after":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("boom after the response started")
    elif path == "/no-response":
        return
    elif path == "/slow":
        await asyncio.sleep(float(scope["query_string"] or b"1"))
        await respond(send, 200, b"slow done")
    elif path == "/head-then-slow":  # the head tells the client the app has the request
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(float(scope["query_string"] or b"1"))
        await send({"type": "http.response.body", "body": b"slow done"})
    elif path == "/loop":
        await respond(send, 200, type(asyncio.get_running_loop()).__module__.encode())
    elif path == "/status":
        code = int(scope["query_string"] or b"204")
        await respond(send, code, b"")
    else:
        await respond(send, 200, b"hello", [(b"content-type", b"text/plain")])


class Lifespan:
    """Records lifespan events in a file named by the SQUALL_TEST_MARKER variable."""

    def __init__(self, fail_startup: bool = False) -> None:
        self.fail_startup = fail_startup

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        marker = os.environ.get("SQUALL_TEST_MARKER", "")
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    if self.fail_startup:
                        await send({"type": "lifespan.startup.failed", "message": "no database"})
                        return
                    scope["state"]["greeting"] = "hi"
                    await send({"type": "lifespan.startup.complete"})
                else:
                    if marker:
                        with open(marker, "a") as file:
                            file.write("shutdown\n")
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await router(scope, receive, send) if scope["path"] != "/state" else await respond(
            send, 200, scope["state"].get("greeting", "none").encode()
        )


lifespan_app = Lifespan()
failing_startup_app = Lifespan(fail_startup=True)


def scope_factory() -> Any:
    return scope_json


class Recorder:
    """Echoes the body and records, per request path, what the app received.

    ``received[path]`` lists the body chunks of each ``http.request`` message, then
    ``"http.disconnect"`` if one came; ``entered`` the paths in the order the app got them.
    The tests wait on these (``wait_until``) instead of sleeping.  ``/hold`` waits for
    ``release()`` before answering; ``/wait-disconnect`` records the message that follows the
    body and does not answer.
    """

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.received: dict[str, list[bytes | str]] = {}
        self._released = threading.Event()

    def chunks(self, path: str) -> list[bytes]:
        return [c for c in self.received.get(path, []) if isinstance(c, bytes) and c]

    def release(self) -> None:
        self._released.set()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        log = self.received.setdefault(path, [])
        self.entered.append(path)
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                log.append("http.disconnect")
                return
            log.append(message.get("body", b""))
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if path == "/hold":
            while not self._released.is_set():
                await asyncio.sleep(0.005)
        elif path == "/wait-disconnect":
            message = await receive()
            log.append(message["type"])
            return
        await respond(send, 200, body)
