"""The app's coroutine resumed straight from ``data_received`` (driver.py), with a real client:
it keeps one task and one context whichever way it is resumed, a message is not lost when the
app waits on something else, a timeout (a cancel) while it waits for a message leaves the
socket usable, and a read from another task still works (made in the app's task and awaited
in another, too); ASGI's ``receive()`` stays a coroutine (``create_task`` takes only those)."""

from __future__ import annotations

import asyncio
import collections.abc
import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from squall.native import NativeWebSocket, NativeWebSocketHandler, WebSocketClosed
from tests.server.serving import serve

COUNT: contextvars.ContextVar[int] = contextvars.ContextVar("count", default=0)


class Native:
    """A native-only app whose handler is one of the methods below, by path."""

    def __init__(self) -> None:
        self.futures: list[bool] = []  # whether each read in the app's own task made a future

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        raise AssertionError("the ASGI entry point was called")

    def __squall_native_websocket__(self) -> NativeWebSocketHandler:
        return self.handle

    async def handle(self, socket: NativeWebSocket) -> None:
        socket.accept()
        handler = getattr(self, socket.path.strip("/"))
        with contextlib.suppress(WebSocketClosed):
            await handler(socket)

    async def count(self, socket: NativeWebSocket) -> None:
        """Counts messages in a context variable; every other one waits on the loop first."""
        task = asyncio.current_task()
        while True:
            waiting = socket.receive_message()
            self.futures.append(isinstance(waiting, asyncio.Future))
            data = await waiting
            assert isinstance(data, str)
            if COUNT.get() % 2:
                await asyncio.sleep(0)  # resumed by its task, not by a message
            COUNT.set(COUNT.get() + 1)
            same = asyncio.current_task() is task
            await socket.send_message(f"{data} {COUNT.get()} {same}")

    async def timeout(self, socket: NativeWebSocket) -> None:
        """A read that times out (the task is cancelled while it waits), then an echo."""
        try:
            async with asyncio.timeout(0.05):
                await socket.receive_message()
        except TimeoutError:
            await socket.send_message("timed out")
        while True:
            await socket.send_message(await socket.receive_message())

    async def elsewhere(self, socket: NativeWebSocket) -> None:
        """Alternates reads in a task of their own with reads in the app's task."""
        while True:
            first = await asyncio.create_task(_read_text(socket))
            second = await _read_text(socket)
            await socket.send_message(f"{first}+{second}")

    async def waited(self, socket: NativeWebSocket) -> None:
        """Reads handed to ``wait_for`` (on 3.11 a task of their own runs them): such a
        read must wait on a future, decided when it is first awaited, not when made."""
        while True:
            data = await asyncio.wait_for(socket.receive_message(), 5)
            await socket.send_message(data)


async def _read_text(socket: NativeWebSocket) -> str:
    data = await socket.receive_message()
    assert isinstance(data, str)
    return data


@contextlib.contextmanager
def socket_to(app: Native, path: str) -> Iterator[ClientConnection]:
    with (
        serve(app, lifespan="off") as running,
        ws_connect(f"ws://127.0.0.1:{running.port}{path}") as ws,
    ):
        yield ws


def test_the_app_keeps_one_task_and_one_context_and_reads_without_futures() -> None:
    app = Native()
    with socket_to(app, "/count") as ws:
        for number in range(1, 7):
            ws.send(f"m{number}")
            assert ws.recv(timeout=5) == f"m{number} {number} True"
    assert app.futures and not any(app.futures)


def test_messages_sent_together_arrive_in_order() -> None:
    with socket_to(Native(), "/count") as ws:
        for number in range(1, 21):
            ws.send(f"m{number}")
        replies = [ws.recv(timeout=5) for _ in range(20)]
    assert replies == [f"m{number} {number} True" for number in range(1, 21)]


def test_a_timeout_while_waiting_for_a_message_leaves_the_socket_usable() -> None:
    with socket_to(Native(), "/timeout") as ws:
        assert ws.recv(timeout=5) == "timed out"
        ws.send("still here")
        assert ws.recv(timeout=5) == "still here"


def test_a_read_from_another_task_and_one_from_the_apps_own_task_alternate() -> None:
    with socket_to(Native(), "/elsewhere") as ws:
        for number in range(3):
            ws.send(f"a{number}")
            ws.send(f"b{number}")
            assert ws.recv(timeout=5) == f"a{number}+b{number}"


def test_a_read_made_in_the_apps_task_and_awaited_in_another_waits_on_a_future() -> None:
    with socket_to(Native(), "/waited") as ws:
        for number in range(3):
            ws.send(f"w{number}")
            assert ws.recv(timeout=5) == f"w{number}"


async def receive_in_tasks(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A raw ASGI echo whose every ``receive()`` runs in a task of its own (as Django
    Channels runs its reads: ``loop.create_task(receive())``)."""
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        read = receive()
        # What create_task takes on 3.12+ (3.11 takes a generator too, so ask here).
        assert isinstance(read, collections.abc.Coroutine), f"receive() gave {read!r}"
        message = await asyncio.get_running_loop().create_task(read)
        if message["type"] != "websocket.receive":
            return
        await send({"type": "websocket.send", "text": message["text"]})


def test_asgi_receive_is_a_coroutine_a_task_can_run() -> None:
    with (
        serve(receive_in_tasks, lifespan="off") as running,
        ws_connect(f"ws://127.0.0.1:{running.port}/") as ws,
    ):
        for number in range(3):
            ws.send(f"t{number}")
            assert ws.recv(timeout=5) == f"t{number}"
