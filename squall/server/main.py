"""The server: binds sockets, runs lifespan, serves connections, shuts down gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from typing import Any

from squall.native import NativeHandler, NativeWebSocketHandler, announce_shutdown
from squall.server.acceptor import Acceptor
from squall.server.config import Config, ConfigError
from squall.server.crowd_accept import CrowdAcceptor
from squall.server.descriptors import ShortageReport, probe
from squall.server.http2.choice import ProtocolFactory, protocol_factory
from squall.server.lifespan import Lifespan
from squall.server.memory import tune_malloc
from squall.server.state import ServerState, error_logger
from squall.server.tasks import request_tasks
from squall.server.tls import create_ssl_context, handshake_timeout
from squall.server.websocket.codec import resolve as resolve_codec
from squall.server.websocket.upgrade import Upgrade, upgrader

TICK = 0.1  # seconds between housekeeping passes (clock, deadlines, exit flags)
HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)
DROPPED = "libuv closes new connections at once until some close"


def new_event_loop(choice: str) -> asyncio.AbstractEventLoop:
    """A fresh event loop: uvloop when asked or available ("auto"), else asyncio's."""
    if choice in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if choice == "uvloop":
                raise
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def accepts_in_c(loop: asyncio.AbstractEventLoop) -> bool:
    """True for uvloop, whose ``create_server`` accepts inside libuv (no Python per accept)."""
    return type(loop).__module__.partition(".")[0] == "uvloop"


def native_handler(app: Any) -> NativeHandler | None:
    """The app's native handler, if it offers one (see squall.native)."""
    factory = getattr(app, "__squall_native__", None)
    if factory is None or not callable(factory):
        return None
    handler: NativeHandler | None = factory()
    return handler


def native_websocket_handler(app: Any) -> NativeWebSocketHandler | None:
    """The app's native WebSocket handler, if it offers one (see squall.native)."""
    factory = getattr(app, "__squall_native_websocket__", None)
    if factory is None or not callable(factory):
        return None
    handler: NativeWebSocketHandler | None = factory()
    return handler


def websocket_upgrade(config: Config) -> Upgrade | None:
    """The WebSocket upgrade for ``--ws``, resolved once (None: upgrades are plain HTTP)."""
    factory = resolve_codec(config.ws, config.ws_deflate_no_context_takeover)
    return None if factory is None else upgrader(factory)


def describe(sock: socket.socket, scheme: str = "http") -> str:
    address = sock.getsockname()
    if sock.family == socket.AF_UNIX:
        return f"unix socket {address}" + (" (TLS)" if scheme == "https" else "")
    host, port = address[:2]
    host = f"[{host}]" if sock.family == socket.AF_INET6 else host
    return f"{scheme}://{host}:{port}"


class Server:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.started = False
        self.should_exit = False
        self.force_exit = False
        self.exit_code = 0
        self.state: ServerState | None = None
        self.sockets: list[socket.socket] = []
        self._servers: list[asyncio.base_events.Server] = []
        self.acceptor: Acceptor | None = None  # accepting in Python (asyncio, workers)
        self.shortage: ShortageReport | None = None  # libuv accepting: probed every tick
        self.crowd: CrowdAcceptor | None = None  # libuv accepting: bursts while crowded
        self.ssl_context: ssl.SSLContext | None = None
        self.protocol_factory: ProtocolFactory | None = None  # --http, resolved (http2/choice.py)

    def run(self, sockets: Sequence[socket.socket] | None = None) -> None:
        """Serve until told to stop (signal or ``should_exit``); blocks the calling thread."""
        with asyncio.Runner(loop_factory=lambda: new_event_loop(self.config.loop)) as runner:
            runner.run(self.serve(sockets))

    async def serve(self, sockets: Sequence[socket.socket] | None = None) -> None:
        config = self.config
        loop = asyncio.get_running_loop()
        try:
            app = config.load_app()
        except ConfigError as exc:  # a wrong name or path: the message says it all
            error_logger.error("error loading the app: %s", exc)
            self.exit_code = 1
            return
        except Exception as exc:  # the app's own code failed: its traceback is the news
            error_logger.error("error loading the app %r", config.app, exc_info=exc)
            self.exit_code = 1
            return
        if config.tune_malloc:
            tune_malloc()
        try:
            self.ssl_context = create_ssl_context(config)  # TLS: squall/server/tls.py
            state = ServerState(config, app, loop)  # reads --forwarded-allow-ips
            state.websocket_upgrade = websocket_upgrade(config)
            self.protocol_factory = protocol_factory(state, self.ssl_context is not None)
        except ConfigError as exc:
            error_logger.error("%s", exc)
            self.exit_code = 1
            return
        self.state = state
        lifespan = Lifespan(app, config.lifespan, state.lifespan_state)
        if not await lifespan.startup():
            error_logger.error("application startup failed; exiting")
            self.exit_code = 1
            return
        try:
            state.native = native_handler(app)
            state.native_websocket = native_websocket_handler(app)
            await self._listen(state, sockets)
        except Exception:
            await lifespan.shutdown()
            self.exit_code = 1
            raise
        restore_signals = self._install_signal_handlers(loop)
        self.started = True
        try:
            await self._main_loop(state)
        finally:
            restore_signals()
            await self._shutdown(state)
            await lifespan.shutdown()
            self.started = False

    async def _listen(self, state: ServerState, sockets: Sequence[socket.socket] | None) -> None:
        self.sockets = list(sockets) if sockets else [self.config.bind_socket()]

        assert self.protocol_factory is not None  # set with the state, in serve()
        await self._accept(state, self.protocol_factory)
        scheme = "https" if self.ssl_context is not None else "http"
        for sock in self.sockets:
            error_logger.info("Squall running on %s (press CTRL+C to quit)", describe(sock, scheme))
        if state.native is not None:
            error_logger.info("native framework path enabled")

    async def _accept(self, state: ServerState, factory: Callable[[], asyncio.Protocol]) -> None:
        """Accept connections on ``self.sockets`` (a worker may accept its own way).

        uvloop accepts inside libuv (the fastest way per connection); elsewhere our acceptor
        does what asyncio's would, plus a quiet, quick recovery from running out of
        descriptors (``descriptors.py``)."""
        if not accepts_in_c(state.loop):
            for sock in self.sockets:
                sock.listen(self.config.backlog)
            self.acceptor = Acceptor(state, self.sockets, factory, self.ssl_context)
            self.acceptor.start()
            return
        for sock in self.sockets:
            server = await state.loop.create_server(
                factory,
                sock=sock,
                backlog=self.config.backlog,
                ssl=self.ssl_context,
                ssl_handshake_timeout=handshake_timeout(self.config),
            )
            self._servers.append(server)
        self.shortage = ShortageReport(lambda: len(state.connections), DROPPED)
        self.crowd = CrowdAcceptor(state, self.sockets, factory, self.ssl_context)

    def _stop_accepting(self) -> None:
        """New connections go elsewhere from now on (other workers, or nowhere)."""
        for server in self._servers:
            server.close()
        if self.acceptor is not None:
            self.acceptor.close()
        if self.crowd is not None:
            self.crowd.close()
        self.shortage = None

    def _check_descriptors(self) -> None:
        """Under libuv, which says nothing when out of descriptors: look for a free one."""
        shortage = self.shortage
        if shortage is None or not self.sockets:
            return
        exc = probe(self.sockets[0].fileno())
        if exc is not None:
            shortage.shortage(exc)
        elif shortage.short:
            shortage.recovered()

    async def _main_loop(self, state: ServerState) -> None:
        while not self.should_exit:
            await asyncio.sleep(TICK)
            state.refresh_clock()
            state.expire_idle_connections()
            self._check_descriptors()
            if self.crowd is not None:
                self.crowd.check()

    async def drain(self, grace: float, tick: Callable[[], object] | None = None) -> None:
        """Stop accepting, then for up to ``grace`` seconds let busy connections end with
        their response's ``connection: close`` (calling ``tick`` as it waits).

        A keep-alive connection closed while idle races the client's next request, which then
        fails; one that carries a request ends cleanly after its response.  Used before a
        planned stop (a worker replaced or recycled): ``_shutdown`` then closes the rest."""
        state = self.state
        if state is None:
            return
        self._stop_accepting()
        state.shutting_down = True
        announce_shutdown(state.loop)  # endless responses (SSE streams) end now
        timeout = self.config.timeout_graceful_shutdown
        deadline = state.loop.time() + (grace if timeout is None else min(grace, timeout))
        while state.connections and state.loop.time() < deadline and not self.force_exit:
            if tick is not None:
                tick()
            await asyncio.sleep(TICK / 10)
            state.refresh_clock()
            state.expire_idle_connections()

    async def _shutdown(self, state: ServerState) -> None:
        error_logger.info("shutting down")
        self._stop_accepting()
        state.shutting_down = True
        announce_shutdown(state.loop)  # endless responses (SSE streams) end now
        for connection in list(state.connections):
            connection.shutdown()
        timeout = self.config.timeout_graceful_shutdown
        deadline = None if timeout is None else state.loop.time() + timeout
        while (state.connections or state.active_requests) and not self.force_exit:
            if deadline is not None and state.loop.time() >= deadline:
                error_logger.warning("graceful shutdown timed out; closing connections")
                break
            await asyncio.sleep(TICK)
            state.refresh_clock()
            state.expire_idle_connections()
        for connection in list(state.connections):
            connection.abort()
        tasks = request_tasks(state.loop)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=TICK * 10)
        for sock in self.sockets:
            if sock.family == socket.AF_UNIX and self.config.uds:
                with contextlib.suppress(OSError):
                    os.unlink(self.config.uds)

    def _install_signal_handlers(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        for sig in HANDLED_SIGNALS:
            loop.add_signal_handler(sig, self._on_signal, sig)

        def restore() -> None:
            for sig in HANDLED_SIGNALS:
                loop.remove_signal_handler(sig)

        return restore

    def _on_signal(self, sig: int) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True  # a second CTRL+C: stop waiting for requests
        self.should_exit = True


def run(app: Any, **options: Any) -> int:
    """Serve ``app`` (an ASGI app or "module:attr") with ``Config(**options)``; the exit code."""
    from squall.server.logs import setup_logging

    config = Config(app=app, **options)
    setup_logging(config)
    from squall.server.supervisor import Supervisor, needs_supervisor  # imports this module

    if needs_supervisor(config):  # workers=N, reload=True, limit_max_requests=N
        return Supervisor(config).run()
    server = Server(config)
    server.run()
    return server.exit_code


__all__ = ["Server", "run"]
