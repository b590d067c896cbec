"""``TestClient``: call an ASGI app in-process with httpx, no socket.

Use it as a context manager to run the app's lifespan (startup on enter, shutdown on
exit), like Starlette's test client::

    with TestClient(app) as client:
        assert client.post("/user", json=user).json() == user

The app runs on an event loop in a background thread, so tests stay plain sync functions.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any
from urllib.parse import unquote

import httpx

Message = dict[str, Any]


class _Loop:
    """An event loop running in a daemon thread, for the client's lifetime."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class _Transport(httpx.BaseTransport):
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.client._loop().run(self.client._call(request))
        return httpx.Response(status, headers=headers, content=body, request=request)


class TestClient(httpx.Client):
    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, app: Any, base_url: str = "http://testserver", **options: Any) -> None:
        super().__init__(transport=_Transport(self), base_url=base_url, **options)
        self.app = app
        self.state: dict[str, Any] = {}
        self._runner: _Loop | None = None
        self._lifespan_inbox: asyncio.Queue[Message] | None = None
        self._lifespan_outbox: asyncio.Queue[Message] | None = None

    def _loop(self) -> _Loop:
        if self._runner is None:
            self._runner = _Loop()
        return self._runner

    # -- Lifespan ---------------------------------------------------------------------------

    def __enter__(self) -> TestClient:
        super().__enter__()
        message = self._loop().run(self._lifespan_start())
        if message["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"startup failed: {message.get('message', '')}")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if self._lifespan_inbox is not None:
                message = self._loop().run(self._lifespan_step("lifespan.shutdown"))
                if message["type"] == "lifespan.shutdown.failed":
                    raise RuntimeError(f"shutdown failed: {message.get('message', '')}")
        finally:
            super().__exit__(*exc_info)

    def close(self) -> None:
        super().close()
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    async def _lifespan_start(self) -> Message:
        self._lifespan_inbox = asyncio.Queue()
        self._lifespan_outbox = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        asyncio.get_running_loop().create_task(
            self.app(scope, self._lifespan_inbox.get, self._lifespan_outbox.put)
        )
        return await self._lifespan_step("lifespan.startup")

    async def _lifespan_step(self, kind: str) -> Message:
        assert self._lifespan_inbox is not None and self._lifespan_outbox is not None
        await self._lifespan_inbox.put({"type": kind})
        return await self._lifespan_outbox.get()

    # -- Requests ---------------------------------------------------------------------------

    async def _call(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        body = request.read()
        url = request.url
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": ("testclient", 50000),
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
            "state": dict(self.state),
        }
        sent_body = False
        done = asyncio.Event()
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        done.set()
        return status, headers, b"".join(chunks)
