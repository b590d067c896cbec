"""``squall MODULE:ATTR``: the command line, with the flags uvicorn users already type."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence

from squall.server.access_log import atoms_help
from squall.server.config import LOG_LEVELS, Config, ConfigError
from squall.server.environ import document, parse_with_environment
from squall.server.logs import setup_logging
from squall.server.main import Server
from squall.server.supervisor.options import add_process_manager_flags, process_manager_lists
from squall.server.supervisor.supervisor import Supervisor, needs_supervisor


def _header(value: str) -> tuple[str, str]:
    name, sep, content = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME:VALUE, got {value!r}")
    return name.strip(), content.strip()


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    value = value.strip().lower().removesuffix("b").removesuffix("i")
    factor = units.get(value[-1:], 1)
    number = value[:-1] if value[-1:] in units else value
    try:
        return int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="squall", description="Serve an ASGI app with Squall (HTTP/1.1 on uvloop + httptools)."
    )
    p.add_argument("app", help='the ASGI app, as "module:attribute"')
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="bind port (default 8000)")
    p.add_argument("--uds", help="bind to this Unix domain socket")
    p.add_argument("--fd", type=int, help="serve on this already-open socket file descriptor")
    p.add_argument("--loop", choices=["auto", "uvloop", "asyncio"], default="auto")
    p.add_argument(
        "--http",
        choices=["auto", "httptools", "h1", "h2"],
        default="auto",
        help="auto: HTTP/1.1 and HTTP/2 (with the squall[http2] extra); h1 or h2 only; "
        "httptools: as auto (uvicorn's name)",
    )
    p.add_argument("--lifespan", choices=["auto", "on", "off"], default="auto")
    p.add_argument(
        "--log-level", choices=list(LOG_LEVELS), help="level of squall's loggers (default info)"
    )
    p.add_argument(
        "--access-log", action=argparse.BooleanOptionalAction, default=True, help="log each request"
    )
    p.add_argument("--root-path", default="", help="ASGI root_path, when mounted below a prefix")
    p.add_argument("--factory", action="store_true", help="APP is a factory returning the app")
    p.add_argument("--app-dir", default=".", help="look for the app module here (default .)")
    p.add_argument("--backlog", type=int, default=2048, help="listen backlog (default 2048)")
    p.add_argument("--limit-concurrency", type=int, help="answer 503 past this many requests")
    p.add_argument("--timeout-keep-alive", type=float, default=5.0, help="idle seconds (5)")
    p.add_argument("--timeout-headers", type=float, default=10.0, help="head read seconds (10)")
    p.add_argument(
        "--timeout-body",
        type=float,
        default=60.0,
        help="seconds a request body may stall between two reads: 408, or a close once the "
        "response has started (60)",
    )
    p.add_argument(
        "--timeout-write",
        type=float,
        default=60.0,
        help="seconds a response may stay stuck with a full write buffer (the client does not "
        "read) before the connection is closed and the app's send raises (60)",
    )
    p.add_argument(
        "--timeout-graceful-shutdown", type=float, default=30.0, help="seconds to drain (30)"
    )
    p.add_argument("--max-request-line-size", type=_size, default=8192)
    p.add_argument("--max-header-size", type=_size, default=16384)
    p.add_argument("--max-header-count", type=int, default=100)
    p.add_argument(
        "--max-body-size", type=_size, default=64 * 1024**2, help="e.g. 10m; 0 for no limit"
    )
    p.add_argument("--server-header", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--date-header", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument(
        "--tune-malloc",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep body-sized blocks in glibc's heap: much faster large uploads, more memory kept",
    )
    p.add_argument(
        "--header",
        dest="headers",
        action="append",
        type=_header,
        default=[],
        help="extra response header NAME:VALUE (repeatable)",
    )
    logging_and_configuration = p.add_argument_group("logging and configuration")
    logging_and_configuration.add_argument(
        "--access-log-format",
        metavar="TEMPLATE",
        help=f"access log line, with atoms in braces: {atoms_help()}",
    )
    logging_and_configuration.add_argument(
        "--access-log-json",
        action="store_true",
        help="write the access log as one JSON object per line (the format's atoms as keys)",
    )
    logging_and_configuration.add_argument(
        "--log-config",
        metavar="FILE",
        help="logging config: dictConfig as .json/.yaml/.yml, fileConfig as .ini/.conf",
    )
    logging_and_configuration.add_argument(
        "--env-file",
        metavar="PATH",
        help="load KEY=VALUE lines into the environment first (set variables win)",
    )
    add_process_manager_flags(p.add_argument_group("process manager"))
    _add_tls_and_proxy_flags(p)
    _add_websocket_flags(p)
    _add_http2_flags(p)
    document(p)
    return p


def _add_tls_and_proxy_flags(p: argparse.ArgumentParser) -> None:
    tls = p.add_argument_group("TLS and proxy headers")
    tls.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM) file")
    tls.add_argument("--ssl-keyfile", help="its private key (PEM), if not in the certfile")
    tls.add_argument("--ssl-keyfile-password", help="the password of an encrypted keyfile")
    tls.add_argument("--ssl-ca-certs", help="CA certificates (PEM) to verify clients against")
    tls.add_argument(
        "--ssl-cert-reqs",
        type=int,
        choices=[0, 1, 2],
        default=0,
        help="client certificates: 0 not asked (default), 1 optional, 2 required",
    )
    tls.add_argument("--ssl-ciphers", help="OpenSSL cipher list (default: OpenSSL's)")
    tls.add_argument(
        "--timeout-ssl-handshake",
        type=float,
        default=10.0,
        help="drop a connection whose TLS handshake takes longer (seconds, 10)",
    )
    tls.add_argument(
        "--proxy-headers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="take client and scheme from Forwarded / X-Forwarded-For / X-Forwarded-Proto "
        "sent by a trusted peer (default on)",
    )
    tls.add_argument(
        "--forwarded-allow-ips",
        help="comma list of trusted peers: IPs, CIDR networks, '*' (all), 'unix:' (Unix "
        "socket peers); default $FORWARDED_ALLOW_IPS, else 127.0.0.1,::1,unix:",
    )


def _add_websocket_flags(p: argparse.ArgumentParser) -> None:
    ws = p.add_argument_group("WebSocket")
    ws.add_argument(
        "--ws",
        choices=["auto", "squall", "websockets", "wsproto", "none"],
        default="auto",
        help="WebSocket codec (auto or squall: our own, compiled; websockets or wsproto: "
        "those libraries; none: upgrades are plain HTTP requests)",
    )
    ws.add_argument(
        "--ws-max-size",
        type=_size,
        default=16 * 1024**2,
        help="largest incoming message, e.g. 1m (default 16m; past it the socket closes with "
        "1009); 0 for no limit",
    )
    ws.add_argument(
        "--ws-max-queue",
        type=int,
        default=32,
        help="incoming messages buffered for the app before reading pauses (default 32)",
    )
    ws.add_argument(
        "--ws-ping-interval",
        type=float,
        default=20.0,
        help="seconds between keepalive pings (default 20; 0 for none)",
    )
    ws.add_argument(
        "--ws-ping-timeout",
        type=float,
        default=20.0,
        help="seconds to wait for the pong before closing a dead peer (default 20; 0: wait on)",
    )
    ws.add_argument(
        "--ws-per-message-deflate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="accept permessage-deflate compression (RFC 7692) when a client offers it",
    )
    ws.add_argument(
        "--ws-close-timeout",
        type=float,
        default=5.0,
        help="seconds the client has to answer the server's close frame (or to close the TCP "
        "connection after its own) before the server drops it (default 5)",
    )
    ws.add_argument(
        "--ws-deflate-no-context-takeover",
        action="store_true",
        help="--ws squall: ask both sides to compress each message on its own, so an idle "
        "compressed socket holds no zlib state (less memory, a worse ratio)",
    )


def _add_http2_flags(p: argparse.ArgumentParser) -> None:
    h2 = p.add_argument_group("HTTP/2")
    h2.add_argument(
        "--h2-codec",
        choices=["squall", "h2"],
        default="squall",
        help="framing and HPACK: our own codec, or the h2 library (the squall[http2] extra)",
    )
    h2.add_argument(
        "--h2-max-concurrent-streams",
        type=int,
        default=100,
        help="streams open at once per connection; more are refused (REFUSED_STREAM)",
    )
    h2.add_argument(
        "--h2-initial-window-size",
        type=_size,
        default=256 * 1024,
        help="request body bytes a stream may send before the app reads them (256k)",
    )
    h2.add_argument("--h2-max-frame-size", type=_size, default=16384, help="16384 to 16m")
    h2.add_argument(
        "--h2-max-header-list-size", type=_size, default=16384, help="decoded header bytes"
    )


def config_from_args(args: argparse.Namespace) -> Config:
    """Each flag sets the Config field of its name (argparse's dest); a few need a default
    argparse cannot give (the process manager's lists) or say "none" their own way."""
    given = vars(args)
    options = {
        f.name: given[f.name] for f in dataclasses.fields(Config) if f.init and f.name in given
    }
    options["max_body_size"] = args.max_body_size or None  # --max-body-size 0: no limit
    for name in ("ws_max_size", "ws_ping_interval", "ws_ping_timeout"):
        options[name] = given[name] or None  # 0: no limit, no pings, wait on
    options.update(process_manager_lists(args))
    return Config(**options)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_with_environment(build_parser(), argv)
    try:
        config = config_from_args(args)
        setup_logging(config)
        if needs_supervisor(config):
            sys.exit(Supervisor(config).run())
        server = Server(config)
        server.run()
    except ConfigError as exc:
        print(f"squall: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
    else:
        sys.exit(server.exit_code)
