"""A request's head from an HTTP/2 HEADERS block: the pseudo-headers mapped onto HTTP/1.1's.

h2 has checked the block (RFC 9113, 8.3: the pseudo-headers come first, each once, the
connection-specific fields are absent); what is left is to take it apart for the Exchange:
``:method``, ``:path`` split into the path and the query string, ``:authority`` as the
``host`` header (first, as in an HTTP/1.1 head), and the content type picked out as HTTP/1.1
does.  ``:scheme`` says what the client thinks it is using; the scope's scheme is the
connection's, as over HTTP/1.1.  A cookie split into several fields (RFC 9113, 8.2.3) is joined
back into one, last, as HTTP/1.1 readers of ``cookie`` expect: done here, in the walk the block
gets anyway, so h2's own pass for it is off (settings.py).
"""

from __future__ import annotations

from typing import Final, NamedTuple

METHODS: Final = {
    m.encode("ascii"): m
    for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
}
COLON: Final = 58


class RequestHead(NamedTuple):
    method: str
    raw_path: bytes
    query: bytes
    headers: list[tuple[bytes, bytes]]
    content_type: bytes


def request_head(block: list[tuple[bytes, bytes]]) -> RequestHead | None:
    """The head a HEADERS block carries; None without ``:method`` or ``:path`` (CONNECT)."""
    method = path = authority = None
    headers: list[tuple[bytes, bytes]] = []
    content_type = b""
    has_host = False
    cookies: list[bytes] | None = None
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
        headers.append((name, value))
    if method is None or not path:
        return None
    if cookies is not None:
        headers.append((b"cookie", cookies[0] if len(cookies) == 1 else b"; ".join(cookies)))
    if authority is not None and not has_host:
        headers.insert(0, (b"host", authority))
    raw_path, _, query = path.partition(b"?")
    method_name = METHODS.get(method) or method.decode("ascii", "replace")
    return RequestHead(method_name, raw_path, query, headers, content_type)
