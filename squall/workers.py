"""Squall's server in Gunicorn's workers: ``gunicorn -k squall.workers.SquallWorker app:app``.

Gunicorn stays the process manager (binding, forking, replacing, SIGHUP reloads); each worker
runs Squall's server on the sockets Gunicorn bound.  Gunicorn's settings map to Squall's:

- ``bind`` and ``backlog``: the sockets Gunicorn passes, listened on as they are;
- ``keepalive`` -> ``timeout_keep_alive``; ``graceful_timeout`` -> ``timeout_graceful_shutdown``;
- ``timeout``: the worker tells the arbiter it is alive (``notify``) from its event loop, so a
  stuck loop gets the worker killed and replaced;
- ``max_requests`` (+ ``max_requests_jitter``): after that many responses the worker stops
  gracefully and Gunicorn starts a new one;
- ``limit_request_line`` -> ``max_request_line_size``, ``limit_request_fields`` ->
  ``max_header_count``, ``limit_request_field_size`` -> ``max_header_size`` (Squall limits the
  whole head: at least its 16 KiB default, at least one such field);
- ``certfile``, ``keyfile``, ``ca_certs``, ``cert_reqs``, ``ciphers`` -> Squall's ``ssl_*``
  settings;
- ``accesslog`` turns Squall's access log on, written by Gunicorn's access handlers (Squall's
  format: set ``access_log_format`` in ``CONFIG_KWARGS``); ``squall.error`` writes through
  Gunicorn's error handlers at its level.

Signals, as Gunicorn defines them for workers: SIGTERM stops gracefully (the worker stops
accepting, busy keep-alive connections end with their next response, requests in flight finish
within ``graceful_timeout``: a SIGHUP reload under load fails no request); SIGQUIT and SIGINT
stop at once.  A failed app import or
lifespan startup exits with Gunicorn's boot-error code, so Gunicorn stops instead of looping.

Options Gunicorn has no name for go in ``CONFIG_KWARGS`` of a subclass::

    class Worker(SquallWorker):
        CONFIG_KWARGS = {"loop": "uvloop", "access_log_json": True}
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any, ClassVar

try:
    from gunicorn.arbiter import Arbiter  # type: ignore[import-untyped]
    from gunicorn.workers.base import Worker  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("squall.workers needs Gunicorn: pip install 'squall[gunicorn]'") from exc

from squall.server.config import Config, ConfigError
from squall.server.main import Server, new_event_loop

SSL_SETTINGS = {  # Gunicorn's name -> Squall's Config field
    "certfile": "ssl_certfile",
    "keyfile": "ssl_keyfile",
    "ca_certs": "ssl_ca_certs",
    "cert_reqs": "ssl_cert_reqs",
    "ciphers": "ssl_ciphers",
}
MIN_HEADER_SIZE = 16384
UNLIMITED = 2**31 - 1


def config_from_gunicorn(cfg: Any, app: Any, **overrides: Any) -> Config:
    """Squall's Config for Gunicorn's settings ``cfg`` (see the module's docstring)."""
    options: dict[str, Any] = {
        "app": app,
        "backlog": cfg.backlog,
        "timeout_keep_alive": cfg.keepalive,
        "timeout_graceful_shutdown": cfg.graceful_timeout,
        "max_request_line_size": cfg.limit_request_line or UNLIMITED,
        "max_header_count": cfg.limit_request_fields,
        "max_header_size": max(MIN_HEADER_SIZE, cfg.limit_request_field_size or UNLIMITED),
        "access_log": bool(cfg.accesslog),
        "log_level": None,  # Gunicorn's loggers decide (see SquallWorker.route_logs)
    }
    if cfg.is_ssl:
        options.update(ssl_options(cfg))
    options.update(overrides)
    return Config(**options)


def ssl_options(cfg: Any) -> dict[str, Any]:
    """Gunicorn's TLS settings as Squall's ``ssl_*`` Config fields."""
    return {squall: getattr(cfg, gunicorn) for gunicorn, squall in SSL_SETTINGS.items()}


class SquallWorker(Worker):  # type: ignore[misc]  # Gunicorn is untyped
    """A Gunicorn worker serving the app with Squall's server."""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {}

    def init_process(self) -> None:
        self.route_logs()
        super().init_process()

    def route_logs(self) -> None:
        """Send squall's log records to Gunicorn's error and access handlers."""
        error_log: logging.Logger = self.log.error_log
        squall = logging.getLogger("squall")
        squall.handlers = list(error_log.handlers)
        squall.setLevel(error_log.level)
        squall.propagate = False
        access = logging.getLogger("squall.access")
        if self.cfg.accesslog:
            access.handlers = list(self.log.access_log.handlers)
            access.setLevel(logging.INFO)
            access.propagate = False
        else:
            access.setLevel(logging.WARNING)

    def run(self) -> None:
        try:
            config = config_from_gunicorn(self.cfg, self.wsgi, **self.CONFIG_KWARGS)
        except ConfigError as exc:
            self.log.error("squall: %s", exc)
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
        server = Server(config)
        with asyncio.Runner(loop_factory=lambda: new_event_loop(config.loop)) as runner:
            runner.run(self.serve(server))
        if server.exit_code and not server.sockets:  # it never listened: app or startup failed
            sys.exit(Arbiter.WORKER_BOOT_ERROR)  # Gunicorn stops instead of restarting in a loop
        sys.exit(server.exit_code)

    async def serve(self, server: Server) -> None:
        sockets = [listener.sock for listener in self.sockets]
        watcher = asyncio.ensure_future(self.watch(server))
        try:
            await server.serve(sockets)
        finally:
            watcher.cancel()
            self.notify()

    async def watch(self, server: Server) -> None:
        """Heartbeat to the arbiter, and the reasons to stop: signal, request count, lost parent."""
        interval = max(0.05, min(1.0, self.timeout / 4)) if self.timeout else 1.0
        while not server.started:  # lifespan startup: the server's signal handlers come last
            self.notify()
            await asyncio.sleep(0.01)
        self.install_signals(server)  # at once: a SIGTERM from now on must drain
        while True:
            self.notify()
            state = server.state
            if state is not None:
                self.nr = state.total_requests
            if not server.should_exit:
                reason = self.reason_to_stop()
                if reason:
                    self.log.info("squall: %s; stopping gracefully", reason)
                    self.alive = False
                    await server.drain(server.config.timeout_keep_alive, self.notify)
                    server.should_exit = True
            await asyncio.sleep(interval)

    def reason_to_stop(self) -> str | None:
        if not self.alive:
            return "told to stop"
        if self.nr >= self.max_requests:
            return f"served {self.nr} requests (max_requests)"
        if self.ppid != os.getppid():
            return "the Gunicorn arbiter is gone"
        return None

    def install_signals(self, server: Server) -> None:
        """SIGTERM drains then stops gracefully; SIGQUIT and SIGINT stop at once."""
        loop = asyncio.get_running_loop()

        def stop_gracefully() -> None:
            self.alive = False  # the watch loop drains, then stops the server

        def quit_now() -> None:
            self.alive = False
            server.should_exit = True
            server.force_exit = True

        loop.add_signal_handler(signal.SIGTERM, stop_gracefully)
        for sig in (signal.SIGQUIT, signal.SIGINT):
            loop.add_signal_handler(sig, quit_now)


__all__ = ["SquallWorker", "config_from_gunicorn"]
