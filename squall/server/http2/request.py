"""A request's head from an HTTP/2 HEADERS block: the pseudo-headers mapped onto HTTP/1.1's.

h2 has checked the block (RFC 9113, 8.3: the pseudo-headers come first, each once, the
connection-specific fields are absent); what is left is to take it apart for the Exchange:
``:method``, ``:path`` split into the path and the query string, ``:authority`` as the
``host`` header (first, as in an HTTP/1.1 head), and the content type picked out as HTTP/1.1
does.  ``:scheme`` says what the client thinks it is using; the scope's scheme is the
connection's, as over HTTP/1.1.  A cookie split into several fields (RFC 9113, 8.2.3) is joined
back into one, last, as HTTP/1.1 readers of ``cookie`` expect: done here, in the walk the block
gets anyway, so h2's own pass for it is off (library.py).  The same walk notes whether a
proxy header is there (``forwarded``), so that a trusted peer's streams without one skip the
proxy-header resolver, as HTTP/1.1 requests do.

Compiled with mypyc (hot_path.py): RequestHead is a native class (cheaper to make than a
NamedTuple).
"""

from __future__ import annotations

from typing import Final

from squall.server.proxy_headers import HEADER_NAMES as PROXY_HEADER_NAMES

METHODS: Final = {
    m.encode("ascii"): m
    for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
}
COLON: Final = 58


class RequestHead:
    def __init__(
        self,
        method: str,
        raw_path: bytes,
        query: bytes,
        headers: list[tuple[bytes, bytes]],
        content_type: bytes,
        forwarded: bool,
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        self.query = query
        self.headers = headers
        self.content_type = content_type
        self.forwarded = forwarded  # a proxy header is there (Forwarded, X-Forwarded-*)


def request_head(block: list[tuple[bytes, bytes]]) -> RequestHead | None:
    """The head a HEADERS block carries; None without ``:method`` or ``:path`` (CONNECT)."""
    method = path = authority = None
    headers: list[tuple[bytes, bytes]] = []
    content_type = b""
    has_host = False
    cookies: list[bytes] | None = None
    forwarded = False
    for name, value in block:
        if name[0] == COLON:
            if name == b":method":
                method = value
            elif name == b":path":
                path = value
            elif name == b":authority":
                authority = value
            continue
        if name == b"host":
            has_host = True
        elif name == b"content-type":
            content_type = value
        elif name == b"cookie":
            if cookies is None:
                cookies = []
            cookies.append(value)
            continue
        elif name in PROXY_HEADER_NAMES:
            forwarded = True
        headers.append((name, value))
    if method is None or not path:
        return None
    if cookies is not None:
        headers.append((b"cookie", cookies[0] if len(cookies) == 1 else b"; ".join(cookies)))
    if authority is not None and not has_host:
        headers.insert(0, (b"host", authority))
    raw_path, _, query = path.partition(b"?")
    method_name = METHODS.get(method) or method.decode("ascii", "replace")
    return RequestHead(method_name, raw_path, query, headers, content_type, forwarded)
