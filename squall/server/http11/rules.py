"""RFC 9110 / 9112 rules llhttp does not check: target forms, the authority, transfer codings.

RFC 9112 3.2 allows four forms of request target: origin (``/path?query``), absolute
(``http://host/path``), authority (``host:port``, CONNECT only) and asterisk (``*``, OPTIONS
only).  The plain-head scan (plain.py) takes the origin form only; every other form comes here.
"""

from __future__ import annotations

from typing import Any, Final

import httptools

from squall.server.http11.errors import Rejected
from squall.server.http11.plain import valid_host

SLASH: Final = 47
HASH: Final = 35
AUTHORITY_END: Final = (b"/", b"?", b"#")


class Target:
    """A request target split for the ASGI scope; ``authority`` is set for the absolute form."""

    __slots__ = ("authority", "query", "raw_path")

    def __init__(self, raw_path: bytes, query: bytes, authority: bytes | None = None) -> None:
        self.raw_path = raw_path
        self.query = query
        self.authority = authority


def split_target(url: bytes, method: bytes) -> Target:
    """The path, query and (absolute form) authority of a target as llhttp handed it over."""
    if url and url[0] == SLASH and HASH not in url:
        raw_path, _, query = url.partition(b"?")
        return Target(raw_path, query)
    if url == b"*":
        if method != b"OPTIONS":  # RFC 9112 3.2.4: the asterisk form is for OPTIONS only
            raise Rejected(400, "Invalid request target: '*' is for OPTIONS only")
        return Target(url, b"")
    try:
        # Any: a missing part is None, whatever httptools' stubs say (mypyc would check them,
        # and the compiled build answered a query-less absolute target with a 500).
        parsed: Any = httptools.parse_url(url)
    except httptools.HttpParserInvalidURLError:
        raise Rejected(400, "Invalid request target") from None
    authority = None
    if parsed.schema is not None:
        authority = _authority(url)
    return Target(parsed.path or b"/", parsed.query or b"", authority)


def _authority(url: bytes) -> bytes:
    """The ``host[:port]`` of an absolute-form target (RFC 9112 3.2.2), checked as Host is."""
    start = url.find(b"://") + 3
    end = len(url)
    for stop in AUTHORITY_END:
        found = url.find(stop, start)
        if found != -1 and found < end:
            end = found
    authority = url[start:end]
    # RFC 9110 4.2.4: userinfo in an http(s) URI is an error; the authority must be a Host.
    if not authority or b"@" in authority or not valid_host(authority, 0, len(authority)):
        raise Rejected(400, "Invalid authority in the request target")
    return authority


def with_host(headers: list[tuple[bytes, bytes]], authority: bytes) -> list[tuple[bytes, bytes]]:
    """RFC 9112 3.2.2: with an absolute-form target, its authority replaces the Host value."""
    return [(name, authority if name == b"host" else value) for name, value in headers]


def check_transfer_codings(codings: bytes, version: str) -> None:
    """``codings``: the Transfer-Encoding values, lowercased, each after a comma (RFC 9112 6)."""
    if version == "1.0":  # 6.1: an HTTP/1.0 message with Transfer-Encoding is faulty framing
        raise Rejected(400, "Transfer-Encoding in an HTTP/1.0 request")
    names = [coding.strip() for coding in codings[1:].split(b",")]
    if names[-1] != b"chunked":  # 6.3: the body's length can't be known; llhttp agrees
        raise Rejected(400, "Invalid Transfer-Encoding: chunked must come last")
    if any(name != b"chunked" for name in names):
        raise Rejected(501, "Transfer coding not implemented")  # 6.1: only chunked is
