"""Small ASGI apps the server tests run (also importable by a server subprocess)."""

from __future__ import annotations

import asyncio
import hashlib
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


class FlowControl:
    """Watches its own connection's flow control (tests set ``state`` to the server's).

    ``/read-after-pause`` reads nothing until reading on its connection has paused, then
    reads the body and answers ``<length> <sha256>``; ``/pause-then-answer`` answers once
    reading has paused, without reading a body.  ``/stream-until-drained`` streams 16 KiB
    chunks until a ``send`` has had to wait for the client, then ``more`` chunks (query
    string, default 8).  ``records`` keeps, per request, what the app saw.
    """

    CHUNK = bytes(range(256)) * 64  # 16 KiB, a recognisable pattern
    LIMIT = 64 * 1024 * 1024  # stream no further than this without a wait: fail instead

    def __init__(self) -> None:
        self.state: Any = None
        self.records: list[dict[str, Any]] = []

    def connection(self, scope: Scope) -> Any:
        client = tuple(scope["client"])
        found = [conn for conn in self.state.connections if conn.client == client]
        assert len(found) == 1, found
        return found[0]

    async def until(self, condition: Any, what: str, limit: float = 5.0) -> None:
        """Poll ``condition`` on the server's loop; raise (a 500) if it stays false."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while not condition():
            if loop.time() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            await asyncio.sleep(0.001)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        conn = self.connection(scope)
        record: dict[str, Any] = {"path": scope["path"]}
        self.records.append(record)
        if scope["path"] in ("/read-after-pause", "/pause-then-answer"):
            await self.until(lambda: conn.read_paused, "reading to pause")
            record["read_pauses"] = conn.read_pauses
            if scope["path"] == "/pause-then-answer":
                await respond(send, 200, b"paused")
                return
            digest = hashlib.sha256()
            size = 0
            largest = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ConnectionError("client gone")
                body = message.get("body", b"")
                digest.update(body)
                size += len(body)
                largest = max(largest, len(body))
                if not message.get("more_body", False):
                    break
            record["largest_message"] = largest
            await respond(send, 200, b"%d %s" % (size, digest.hexdigest().encode()))
        elif scope["path"] == "/stream-until-drained":
            await self.stream_until_drained(conn, scope, send, record)
        else:
            await respond(send, 200, scope["path"].encode())

    async def stream_until_drained(self, conn: Any, scope: Scope, send: Any, record: Any) -> None:
        more = int(scope["query_string"] or b"8")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        sent = waits = 0
        while more:
            if sent > self.LIMIT:
                raise RuntimeError("streamed 64 MiB and never had to wait for the client")
            waiting = send({"type": "http.response.body", "body": self.CHUNK, "more_body": True})
            sent += len(self.CHUNK)
            done = isinstance(waiting, asyncio.Future) and waiting.done()
            await waiting
            if not done:  # send handed back a drain: the transport's buffer was full
                waits += 1
                if conn.write_paused:
                    raise RuntimeError("send returned while writing was still paused")
            if waits:
                more -= 1
        await send({"type": "http.response.body", "body": b""})
        record.update(sent=sent, waits=waits, write_pauses=conn.write_pauses)
