"""Server configuration: one typed object, shared by the CLI, ``squall.run`` and the tests."""

from __future__ import annotations

import importlib
import logging
import os
import socket
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from squall.server.access_log import AccessLogFormat

WsChoice = Literal["auto", "squall", "websockets", "wsproto", "none"]
H2Codec = Literal["squall", "h2"]
LoopChoice = Literal["auto", "uvloop", "asyncio"]
HttpChoice = Literal["auto", "httptools", "h1", "h2"]  # httptools: uvicorn's name for auto
LifespanChoice = Literal["auto", "on", "off"]

LOG_LEVELS: dict[str, int] = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": 5,
}


class ConfigError(Exception):
    """The configuration cannot be used (bad app path, unknown option value...)."""


@dataclass
class Config:
    """Everything the server needs to know; defaults match what uvicorn users expect."""

    app: Any
    host: str = "127.0.0.1"
    port: int = 8000
    uds: str | None = None
    fd: int | None = None
    loop: LoopChoice = "auto"
    http: HttpChoice = "auto"
    lifespan: LifespanChoice = "auto"
    log_level: str | int | None = "info"
    access_log: bool = True
    root_path: str = ""
    factory: bool = False
    app_dir: str | None = None
    # Capacity.
    backlog: int = 2048
    limit_concurrency: int | None = None
    # Timeouts (seconds).
    timeout_keep_alive: float = 5.0
    timeout_headers: float = 10.0
    # Slow clients (nginx's client_body_timeout and send_timeout): the longest wait for the
    # next bytes of a request body, and the longest a response may sit with a full write
    # buffer (the client reads nothing, or too little to drain it) before the connection is
    # closed.
    timeout_body: float = 60.0
    timeout_write: float = 60.0
    timeout_graceful_shutdown: float | None = 30.0
    # Request size limits.
    max_request_line_size: int = 8192
    max_header_size: int = 16384
    max_header_count: int = 100
    max_body_size: int | None = 64 * 1024 * 1024
    # Flow control: pause reading when this much request body waits for the app,
    # and stop reading pipelined requests past this many queued.
    read_buffer_high_water: int = 256 * 1024
    max_pipelined_requests: int = 32
    write_high_water: int = 64 * 1024
    # Keep request-body-sized blocks in malloc's heap (see squall/server/memory.py).
    tune_malloc: bool = True
    # Response headers added to every response.
    server_header: bool = True
    date_header: bool = True
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Process manager (squall/server/supervisor/): workers, health checks, recycling, reload.
    workers: int = 1
    reuse_port: bool = False  # one SO_REUSEPORT socket per worker (host:port only)
    balance: bool = True  # shared socket: workers accept in turns by their open connections
    timeout_worker_healthcheck: float = 30.0
    limit_max_requests: int | None = None
    max_requests_jitter: int = 0
    reload: bool = False
    reload_dirs: list[str] = field(default_factory=list)
    reload_includes: list[str] = field(default_factory=lambda: ["*.py"])
    reload_excludes: list[str] = field(default_factory=list)
    # Logging (ops): access log template and JSON lines (squall/server/access_log.py), a
    # logging config file (squall/server/log_config.py).
    access_log_format: str | None = None
    access_log_json: bool = False
    log_config: str | None = None
    access_log_line: AccessLogFormat = field(init=False, repr=False, compare=False)
    # TLS (squall/server/tls.py): on when ssl_certfile is set; the flags mean uvicorn's.
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_keyfile_password: str | None = None
    ssl_ca_certs: str | None = None
    ssl_cert_reqs: int = 0  # ssl.CERT_NONE; 1 CERT_OPTIONAL, 2 CERT_REQUIRED
    ssl_ciphers: str | None = None  # None: OpenSSL's defaults
    timeout_ssl_handshake: float = 10.0
    # Proxy headers (squall/server/proxy_headers.py): None reads $FORWARDED_ALLOW_IPS, else
    # trusts this machine (127.0.0.1, ::1 and Unix socket peers).
    proxy_headers: bool = True
    forwarded_allow_ips: str | list[str] | None = None
    # WebSocket (squall/server/websocket/): the codec library, message size limit (1009 past
    # it), messages queued for the app before reading pauses, keepalive ping, compression,
    # seconds the peer has to answer our close frame before the connection is dropped.
    ws: WsChoice = "auto"
    ws_max_size: int | None = 16 * 1024 * 1024
    ws_max_queue: int = 32
    ws_ping_interval: float | None = 20.0
    ws_ping_timeout: float | None = 20.0
    ws_per_message_deflate: bool = True
    ws_close_timeout: float = 5.0
    ws_deflate_no_context_takeover: bool = False  # --ws squall: no zlib state between messages
    # HTTP/2 (squall/server/http2/): the codec (ours, or the h2 library of the squall[http2]
    # extra), then the SETTINGS the server sends.
    h2_codec: H2Codec = "squall"
    h2_max_concurrent_streams: int = 100
    h2_initial_window_size: int = 256 * 1024
    h2_max_frame_size: int = 16384
    h2_max_header_list_size: int = 16384

    def __post_init__(self) -> None:
        if self.loop not in ("auto", "uvloop", "asyncio"):
            raise ConfigError(f"unknown loop {self.loop!r}: use auto, uvloop or asyncio")
        if self.http not in ("auto", "httptools", "h1", "h2"):
            raise ConfigError(f"unknown http {self.http!r}: use auto, h1 or h2 (httptools = auto)")
        if self.lifespan not in ("auto", "on", "off"):
            raise ConfigError(f"unknown lifespan mode {self.lifespan!r}: use auto, on or off")
        if self.h2_codec not in ("squall", "h2"):
            raise ConfigError(f"unknown h2 codec {self.h2_codec!r}: use squall or h2")
        if self.ws not in ("auto", "squall", "websockets", "wsproto", "none"):
            raise ConfigError(
                f"unknown ws {self.ws!r}: use auto, squall, websockets, wsproto or none"
            )
        if self.root_path.endswith("/"):
            self.root_path = self.root_path.rstrip("/")
        from squall.server.access_log import AccessLogFormat  # checks the atoms (ops)

        self.access_log_line = AccessLogFormat(self.access_log_format, self.access_log_json)

    @property
    def log_level_number(self) -> int:
        if self.log_level is None:
            return logging.INFO
        if isinstance(self.log_level, int):
            return self.log_level
        try:
            return LOG_LEVELS[self.log_level.lower()]
        except KeyError:
            raise ConfigError(f"unknown log level {self.log_level!r}") from None

    def load_app(self) -> Any:
        """Resolve ``app`` (an object or a "module:attr" string), calling it if ``factory``."""
        app = self.app
        if isinstance(app, str):
            app = import_from_string(app, self.app_dir)
        if self.factory:
            try:
                app = app()
            except TypeError as exc:
                raise ConfigError(f"app factory failed: {exc}") from exc
        if not callable(app):
            raise ConfigError(f"the app {app!r} is not callable")
        return app

    def bind_socket(self) -> socket.socket:
        """Create the listening socket described by ``fd``, ``uds`` or ``host``/``port``."""
        if self.fd is not None:
            sock = socket.fromfd(self.fd, socket.AF_UNIX, socket.SOCK_STREAM)
            family = sock.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN)
            sock.close()
            sock = socket.socket(family=family, type=socket.SOCK_STREAM, fileno=self.fd)
        elif self.uds is not None:
            if os.path.exists(self.uds):
                os.unlink(self.uds)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(self.uds)
            os.chmod(self.uds, 0o666)
        else:
            sock = bind_tcp(self.host, self.port)
        sock.listen(self.backlog)
        sock.setblocking(False)
        return sock


def bind_tcp(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to ``host:port`` (not listening yet); ConfigError if it can't be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:  # several workers, one socket each (squall/server/supervisor/sockets.py)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot bind {host}:{port}: {exc.strerror}") from exc
    return sock


def import_from_string(path: str, app_dir: str | None = None) -> Any:
    """Import ``"package.module:attribute.sub"`` and return the attribute."""
    module_name, _, attrs = path.partition(":")
    if not module_name or not attrs:
        raise ConfigError(f'app must be given as "module:attribute", got {path!r}')
    if app_dir is not None:
        sys.path.insert(0, app_dir)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name and not module_name.startswith(f"{exc.name}."):
            raise
        raise ConfigError(f"could not import module {module_name!r}") from exc
    obj: Any = module
    for attr in attrs.split("."):
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise ConfigError(f"attribute {attrs!r} not found in module {module_name!r}") from None
    return obj
