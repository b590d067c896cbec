"""The parts of a request's URL the host and scheme middleware read: the Host header split
into host and port (RFC 9110 7.2: ``uri-host [ ":" port ]``), the scheme on either path,
and the URL rebuilt with another scheme or host for a redirect."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from squall.middleware.headers import header_value
from squall.requests import Request

Scope = dict[str, Any]

# RFC 3986 3.2.2: a registered name (unreserved, percent-escapes, sub-delims), or an IP
# literal in brackets (checked by ipaddress below); then an optional port of digits.
_AUTHORITY = re.compile(
    rb"(?P<host>[A-Za-z0-9\-._~%!$&'()*+,;=]+|\[(?P<literal>[^\[\]/]+)\])(?::(?P<port>[0-9]*))?"
)
_MAX_PORT = 65535


@dataclass(frozen=True, slots=True)
class Authority:
    host: str  # as sent; an IPv6 address keeps its brackets
    port: int | None

    @property
    def netloc(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


def parse_authority(value: bytes) -> Authority | None:
    """``host[:port]`` from a Host header's value; None when it is not one (or empty)."""
    found = _AUTHORITY.fullmatch(value)
    if found is None:
        return None
    literal = found["literal"]
    if literal is not None and not _is_ipv6(literal):
        return None
    port = found["port"]
    number = int(port) if port else None
    if number is not None and number > _MAX_PORT:
        return None
    return Authority(found["host"].decode("ascii"), number)


def _is_ipv6(literal: bytes) -> bool:
    try:
        ipaddress.IPv6Address(literal.decode("ascii"))
    except ValueError:
        return False
    return True


def request_authority(scope: Scope) -> Authority | None:
    """The Host header's authority, else the server's address (an HTTP/1.0 request may
    come without Host); None when there is neither."""
    host = header_value(scope["headers"], b"host")
    if host:
        return parse_authority(host)
    server = scope.get("server")
    if server is None:
        return None
    name, port = server
    if ":" in name:
        name = f"[{name}]"
    return Authority(name, port)


def request_scheme(request: Request) -> str:
    """``http``/``https`` as the server reports it (a trusted proxy's ``X-Forwarded-Proto``
    included), without building the ASGI scope on Squall's native path."""
    native = request._native
    if native is not None:
        return native.scheme
    return str(request.scope.get("scheme", "http"))


def rebuilt_url(scope: Scope, scheme: str, netloc: str) -> str:
    """The request's URL with ``scheme`` and ``netloc``: its path as sent (``raw_path``,
    else the decoded path made safe) and its query string."""
    raw_path = scope.get("raw_path")
    if raw_path:
        path = raw_path.decode("latin-1")
    else:
        path = scope["path"].replace("?", "%3F").replace("#", "%23")
    query = scope.get("query_string", b"")
    if query:
        path += "?" + query.decode("latin-1")
    return f"{scheme}://{netloc}{path}"
