"""State shared by every connection of one server: the app, limits, clock and live connections."""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from squall.server.config import Config
from squall.server.proxy_headers import TrustedPeers, trusted_peers
from squall.server.tasks import task_starter
from squall.server.transport import Deadlines, ManagedConnection

if TYPE_CHECKING:
    from squall.native import NativeHandler, NativeWebSocketHandler

error_logger = logging.getLogger("squall.error")
access_logger = logging.getLogger("squall.access")


class ServerState:
    """What a connection needs, flattened into attributes so the hot path reads them cheaply."""

    def __init__(self, config: Config, app: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.config = config
        self.app = app
        self.loop = loop
        self.native: NativeHandler | None = None
        # The WebSocket upgrade (squall/server/websocket/upgrade.py); None: --ws none.
        self.websocket_upgrade: Any = None
        # Takes over a connection that opened with HTTP/2's preface (http2/choice.py); None:
        # cleartext HTTP/2 is not spoken.
        self.h2c_take_over: Any = None
        # The app's native WebSocket handler (squall.native), set after lifespan startup.
        self.native_websocket: NativeWebSocketHandler | None = None
        self.lifespan_state: dict[str, Any] = {}
        self.root_path = config.root_path
        self.connections: set[ManagedConnection] = set()
        self.active_requests = 0
        self.start_task = task_starter(loop)
        # Connections with a finished response to send at the end of the loop iteration.
        self.to_flush: list[Any] = []
        # An already-completed future: what a non-blocking ASGI ``send`` returns.
        self.done: asyncio.Future[None] = loop.create_future()
        self.done.set_result(None)
        self.total_requests = 0
        self.shutting_down = False
        # Limits and timeouts, copied for fast attribute access.
        self.limit_concurrency = config.limit_concurrency
        self.max_request_line_size = config.max_request_line_size
        self.max_header_size = config.max_header_size
        self.max_header_count = config.max_header_count
        self.max_body_size = config.max_body_size
        self.read_buffer_high_water = config.read_buffer_high_water
        self.max_pipelined_requests = config.max_pipelined_requests
        self.write_high_water = config.write_high_water
        self.timeout_keep_alive = config.timeout_keep_alive
        self.timeout_headers = config.timeout_headers
        self.timeout_body = config.timeout_body
        self.timeout_write = config.timeout_write
        self.access_log = config.access_log and access_logger.isEnabledFor(logging.INFO)
        # Whose proxy headers count (None: --no-proxy-headers); asked once per connection.
        self.proxy_trust: TrustedPeers | None = trusted_peers(config)
        self.extra_headers = b"".join(
            b"%s: %s\r\n" % (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in config.headers
        )
        self.now = loop.time()
        self.deadlines = Deadlines(self.now)
        self.default_headers = b""
        self.refresh_clock()

    def flush_batch(self) -> None:
        """Send the responses connections batched during this loop iteration."""
        # Walked in place, no copy: a response batched during the walk (none is, but a
        # write callback could) is appended and flushed by this same walk.
        connections = self.to_flush
        for connection in connections:
            connection.flush()
        connections.clear()

    def refresh_clock(self) -> None:
        """Update the cached loop time and the Date/Server header block (called every tick)."""
        self.now = self.loop.time()
        block = b""
        if self.config.date_header:
            block += b"date: " + formatdate(time.time(), usegmt=True).encode("ascii") + b"\r\n"
        if self.config.server_header:
            block += b"server: squall\r\n"
        self.default_headers = block + self.extra_headers

    def expire_idle_connections(self) -> None:
        """Let each connection whose deadline has passed act on it (header read, idle...)."""
        self.deadlines.expire(self.now)
