"""The access log's line: a template of named atoms, compiled once, rendered per response.

A template is text with atoms in braces (``{{`` and ``}}`` are literal braces)::

    {client} - "{method} {target} HTTP/{http_version}" {status} {bytes} {duration_ms}ms

``ATOMS`` lists the atoms and what each renders; ``{request_header:NAME}`` renders a request
header (the first line of that name, case-insensitive).  An unknown atom is a ``ConfigError``
at start-up, never a failed request.  As JSON lines (``--access-log-json``) each atom of the
template becomes a key of one JSON object per response (literal text is dropped), with typed
values: numbers for ``status``, ``bytes`` and ``duration_ms``, ``null`` for what is missing;
a header atom's key is ``request_header.NAME``.

The server calls :meth:`AccessLogFormat.render` only when the access log is on; only then
does an exchange note its start time and count its body bytes (see exchange.py).
"""

from __future__ import annotations

import json
import os
import string
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from squall.server.config import ConfigError

if TYPE_CHECKING:
    from squall.server.exchange import Exchange

Value = str | int | float | None
Getter = Callable[["Exchange", float], Value]  # (exchange, duration in ms) -> value

DEFAULT_FORMAT = (
    '{client} - "{method} {target} HTTP/{http_version}" {status} {bytes} {duration_ms}ms'
)
DEFAULT_JSON_FORMAT = (
    "{time} {client} {method} {path} {query} {http_version} {status} {bytes} {duration_ms}"
)
HEADER_ATOM = "request_header"
NO_BODY_STATUSES = frozenset({204, 304})


def _client(exchange: Exchange, duration_ms: float) -> Value:
    client = exchange.client
    return f"{client[0]}:{client[1]}" if client else None


def _client_host(exchange: Exchange, duration_ms: float) -> Value:
    client = exchange.client
    return client[0] if client else None


def _target(exchange: Exchange, duration_ms: float) -> Value:
    target = exchange.raw_path.decode("latin-1")
    if exchange.query_string:
        target += "?" + exchange.query_string.decode("latin-1")
    return target


def _body_bytes(exchange: Exchange, duration_ms: float) -> Value:
    """Body bytes on the wire: none for HEAD, 1xx, 204 and 304, whatever the app sent."""
    status = exchange.status
    if exchange.method == "HEAD" or status < 200 or status in NO_BODY_STATUSES:
        return 0
    return exchange.body_bytes


def _time(exchange: Exchange, duration_ms: float) -> Value:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _method(exchange: Exchange, duration_ms: float) -> Value:
    return exchange.method


def _path(exchange: Exchange, duration_ms: float) -> Value:
    return exchange.raw_path.decode("latin-1")


def _query(exchange: Exchange, duration_ms: float) -> Value:
    return exchange.query_string.decode("latin-1")


def _http_version(exchange: Exchange, duration_ms: float) -> Value:
    return exchange.http_version


def _scheme(exchange: Exchange, duration_ms: float) -> Value:
    return exchange.scheme


def _status(exchange: Exchange, duration_ms: float) -> Value:
    return exchange.status


def _duration_ms(exchange: Exchange, duration_ms: float) -> Value:
    return round(duration_ms, 3)


def _pid(exchange: Exchange, duration_ms: float) -> Value:
    return os.getpid()


ATOMS: dict[str, tuple[Getter, str]] = {
    "client": (_client, 'the client as "host:port" ("-" if unknown: a Unix socket)'),
    "client_host": (_client_host, "the client's address alone"),
    "method": (_method, "the request method"),
    "path": (_path, "the path as sent (percent-encoded)"),
    "query": (_query, "the query string, without ?"),
    "target": (_target, "the path and, if any, ? and the query string"),
    "http_version": (_http_version, "1.1 or 1.0"),
    "scheme": (_scheme, "http or https"),
    "status": (_status, "the response status"),
    "bytes": (_body_bytes, "response body bytes sent"),
    "duration_ms": (_duration_ms, "ms from the request head to the response's end"),
    "time": (_time, "when the response ended, ISO 8601 in UTC"),
    "pid": (_pid, "the serving process's id"),
}


def _header_getter(name: str) -> Getter:
    wanted = name.lower().encode("latin-1")

    def request_header(exchange: Exchange, duration_ms: float) -> Value:
        for key, value in exchange.headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None

    return request_header


def _atom(field: str, spec: str) -> tuple[str, Getter]:
    """The JSON key and getter of the atom ``{field:spec}``; ConfigError if unknown."""
    if field == HEADER_ATOM:
        if not spec:
            raise ConfigError("access log atom {request_header:NAME} needs a header NAME")
        return f"{HEADER_ATOM}.{spec.lower()}", _header_getter(spec)
    if field not in ATOMS or spec:
        known = ", ".join(f"{{{name}}}" for name in [*ATOMS, f"{HEADER_ATOM}:NAME"])
        atom = f"{{{field}:{spec}}}" if spec else f"{{{field}}}"
        raise ConfigError(f"unknown access log atom {atom}; known atoms: {known}")
    return field, ATOMS[field][0]


def _text(value: Value) -> str:
    if value is None:
        return "-"
    if type(value) is float:
        return f"{value:.3f}"
    return str(value)


class AccessLogFormat:
    """A compiled template: literal text and atom getters, in order."""

    def __init__(self, template: str | None = None, json_lines: bool = False) -> None:
        if template is None:
            template = DEFAULT_JSON_FORMAT if json_lines else DEFAULT_FORMAT
        self.template = template
        self.json_lines = json_lines
        self.pieces: list[tuple[str, str, Getter | None]] = []  # (literal, key, getter)
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ConfigError(f"bad access log format {template!r}: {exc}") from None
        for literal, field, spec, conversion in parsed:
            if field is None:
                self.pieces.append((literal, "", None))
                continue
            if conversion:
                raise ConfigError(f"access log atoms take no !{conversion}: {template!r}")
            key, getter = _atom(field, spec or "")
            self.pieces.append((literal, key, getter))
        self.atoms = [(key, getter) for _, key, getter in self.pieces if getter is not None]
        if json_lines and not self.atoms:
            raise ConfigError(f"the JSON access log needs at least one atom: {template!r}")

    def render(self, exchange: Exchange) -> str:
        """The log line for ``exchange``, whose response has just been sent in full."""
        duration_ms = (time.perf_counter() - exchange.started_at) * 1000.0
        if self.json_lines:
            record = {key: getter(exchange, duration_ms) for key, getter in self.atoms}
            return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        parts = []
        for literal, _, getter in self.pieces:
            parts.append(literal)
            if getter is not None:
                parts.append(_text(getter(exchange, duration_ms)))
        return "".join(parts)


def atoms_help() -> str:
    """One line per atom, for --help and the README."""
    lines = [f"{{{name}}}: {doc}" for name, (_, doc) in ATOMS.items()]
    lines.append(f"{{{HEADER_ATOM}:NAME}}: a request header's value")
    return "; ".join(lines)
