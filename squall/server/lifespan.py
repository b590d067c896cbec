"""The ASGI lifespan protocol: startup before serving, shutdown after the last request."""

from __future__ import annotations

import asyncio
from typing import Any

from squall.native import Message
from squall.server.config import LifespanChoice
from squall.server.state import error_logger


class Lifespan:
    def __init__(self, app: Any, mode: LifespanChoice, state: dict[str, Any]) -> None:
        self.app = app
        self.mode = mode
        self.state = state
        self.failed = False
        self.unsupported = False
        self._queue: asyncio.Queue[Message] = asyncio.Queue()
        self._started = asyncio.Event()
        self._stopped = asyncio.Event()
        self._startup_done = False
        self._received = False  # the app has asked for the startup message
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> bool:
        """Run the app's startup; False when the server must not serve."""
        if self.mode == "off":
            return True
        self._task = asyncio.get_running_loop().create_task(self._main())
        await self._queue.put({"type": "lifespan.startup"})
        await self._started.wait()
        return not self.failed

    async def shutdown(self) -> None:
        if self.mode == "off" or self.unsupported or self._task is None or self._task.done():
            return
        await self._queue.put({"type": "lifespan.shutdown"})
        await self._stopped.wait()

    async def _main(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        try:
            await self.app(scope, self._receive, self._send)
        except Exception as exc:  # CancelledError, KeyboardInterrupt, SystemExit: raised on
            self._on_error(exc)
        finally:
            self._started.set()
            self._stopped.set()

    def _on_error(self, exc: Exception) -> None:
        """The app raised: a failure, or in "auto" mode, lifespan not supported.

        An app that raises before reading the startup message does not speak the protocol;
        one that read it and then raised failed its startup (or shutdown).
        """
        if self._startup_done or self.mode == "on" or self._received:
            self.failed = not self._startup_done
            error_logger.error("exception in the lifespan protocol", exc_info=exc)
        else:
            self.unsupported = True
            error_logger.info("the app does not support the ASGI lifespan protocol")

    async def _receive(self) -> Message:
        self._received = True
        return await self._queue.get()

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self._startup_done = True
            self._started.set()
        elif kind == "lifespan.startup.failed":
            self.failed = True
            error_logger.error("lifespan startup failed: %s", message.get("message", ""))
            self._started.set()
        elif kind == "lifespan.shutdown.complete":
            self._stopped.set()
        elif kind == "lifespan.shutdown.failed":
            error_logger.error("lifespan shutdown failed: %s", message.get("message", ""))
            self._stopped.set()
        else:
            raise RuntimeError(f"unexpected lifespan message type {kind!r}")
