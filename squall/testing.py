"""``TestClient``: call an ASGI app in-process with httpx, no socket.

Use it as a context manager to run the app's lifespan (startup on enter, shutdown on
exit), like Starlette's test client::

    with TestClient(app) as client:
        assert client.post("/user", json=user).json() == user

``client.websocket_connect(path)`` opens an in-process WebSocket session
(squall.websocket_testing).

The app runs on an event loop in a background thread, so tests stay plain sync functions;
the thread is stopped and joined when the block exits (or on ``close()`` without a block).
A startup that fails raises out of ``__enter__``: the app's own exception if it raised, else
``LifespanError`` with the message of its ``lifespan.startup.failed``; a failing shutdown
raises the same way out of ``__exit__``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any
from urllib.parse import unquote

import httpx

from squall.requests import UNHANDLED
from squall.websocket_testing import WebSocketDenialResponse, WebSocketTestSession, websocket_scope

__all__ = ["LifespanError", "TestClient", "WebSocketDenialResponse"]

Message = dict[str, Any]


class LifespanError(RuntimeError):
    """The app answered ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``."""


class _Loop:
    """An event loop running in a daemon thread, for the client's lifetime."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="squall-testclient-loop", daemon=True
        )
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self, timeout: float = 5.0) -> None:
        """Cancel what still runs on the loop, stop it and join its thread."""
        if self.loop.is_closed():
            return
        if self.thread.is_alive():
            with contextlib.suppress(RuntimeError, TimeoutError):
                future = asyncio.run_coroutine_threadsafe(self._cancel_pending(), self.loop)
                future.result(timeout)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout)
            if self.thread.is_alive():
                raise RuntimeError(
                    f"the TestClient's event loop thread did not stop within {timeout} s "
                    "(is the app blocking the loop?)"
                )
        self.loop.close()

    async def _cancel_pending(self) -> None:
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1)
        await self.loop.shutdown_asyncgens()
        await self.loop.shutdown_default_executor()  # join the threads of run_in_executor(None)


class _Transport(httpx.BaseTransport):
    def __init__(self, client: TestClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.client._loop().run(self.client._call(request))
        return httpx.Response(status, headers=headers, content=body, request=request)


class TestClient(httpx.Client):
    """An httpx client for ``app``, with Starlette's TestClient defaults: redirects are
    followed, requests carry ``User-Agent: testclient`` and come from ``client``
    (``("testclient", 50000)``), and an exception the app leaves unhandled is raised in the
    test (``raise_server_exceptions=False``: the app's 500 response instead)."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(
        self,
        app: Any,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        cookies: Any = None,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
        **options: Any,
    ) -> None:
        headers = dict(headers or {})
        if not any(name.lower() == "user-agent" for name in headers):
            headers["user-agent"] = "testclient"
        super().__init__(
            transport=_Transport(self),
            base_url=base_url,
            headers=headers,
            cookies=cookies,
            follow_redirects=follow_redirects,
            **options,
        )
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.root_path = root_path
        self.client_address = client
        self.state: dict[str, Any] = {}
        self._runner: _Loop | None = None
        self._lifespan_task: asyncio.Task[None] | None = None
        self._lifespan_inbox: asyncio.Queue[Message] | None = None
        self._lifespan_outbox: asyncio.Queue[Message] | None = None

    def _loop(self) -> _Loop:
        if self._runner is None:
            self._runner = _Loop()
        return self._runner

    # -- Lifespan ---------------------------------------------------------------------------

    def __enter__(self) -> TestClient:
        super().__enter__()
        try:
            message = self._loop().run(self._lifespan_start())
            if message is not None and message["type"] == "lifespan.startup.failed":
                raise LifespanError(f"startup failed: {message.get('message', '')}")
        except BaseException:
            self.close()  # __exit__ will not run: stop the loop thread here
            raise
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if self._lifespan_task is not None and self._runner is not None:
                message = self._runner.run(self._lifespan_step("lifespan.shutdown"))
                if message is not None and message["type"] == "lifespan.shutdown.failed":
                    raise LifespanError(f"shutdown failed: {message.get('message', '')}")
        finally:
            self._lifespan_task = None
            super().__exit__(*exc_info)
            self.close()

    def close(self) -> None:
        super().close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.close()

    async def _lifespan_start(self) -> Message | None:
        self._lifespan_inbox = asyncio.Queue()
        self._lifespan_outbox = asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
        self._lifespan_task = asyncio.get_running_loop().create_task(
            self.app(scope, self._lifespan_inbox.get, self._lifespan_outbox.put)
        )
        return await self._lifespan_step("lifespan.startup")

    async def _lifespan_step(self, kind: str) -> Message | None:
        """Send ``kind`` and wait for the app's answer, or for its lifespan task to end.

        The app's exception, if it raised, is raised here.  None when it returned without
        answering (an app without lifespan support): there is nothing more to run.
        """
        task = self._lifespan_task
        assert task is not None and self._lifespan_inbox is not None
        assert self._lifespan_outbox is not None
        if task.done():
            return None
        await self._lifespan_inbox.put({"type": kind})
        answer = asyncio.ensure_future(self._lifespan_outbox.get())
        await asyncio.wait([answer, task], return_when=asyncio.FIRST_COMPLETED)
        if answer.done():
            return answer.result()
        answer.cancel()
        self._lifespan_task = None
        task.result()  # raises the app's exception
        return None

    # -- WebSocket --------------------------------------------------------------------------

    def websocket_connect(
        self,
        path: str,
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> WebSocketTestSession:
        """A WebSocket connection to ``path``, for a ``with`` block (see
        squall.websocket_testing); a refused one raises WebSocketDisconnect on entering, or
        WebSocketDenialResponse (an httpx.Response) when the app answered with HTTP."""
        return WebSocketTestSession(self, websocket_scope(self, path, subprotocols, headers))

    # -- Requests ---------------------------------------------------------------------------

    async def _call(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        body = request.read()
        url = request.url
        unhandled: list[BaseException] = []  # the app's unhandled exceptions (its 500s)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": unquote(url.path),
            "raw_path": url.raw_path.split(b"?")[0],
            "query_string": url.query,
            "root_path": self.root_path,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "client": self.client_address,
            "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
            "state": dict(self.state),
            "extensions": {UNHANDLED: unhandled},
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

        started = False

        async def send(message: Message) -> None:
            nonlocal status, headers, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        try:
            await self.app(scope, receive, send)
        except Exception:
            if self.raise_server_exceptions:
                raise
            if not started:
                return 500, [], b""  # the app raised before starting its response
        finally:
            done.set()
        if unhandled and self.raise_server_exceptions:
            raise unhandled[0]
        return status, headers, b"".join(chunks)
