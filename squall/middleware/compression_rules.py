"""What compression may touch, and how the headers change: the decisions both faces of
:class:`~squall.middleware.CompressionMiddleware` share (Request/Response and ASGI)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from squall.middleware.codings import Coding, negotiate

RawHeaders = list[tuple[bytes, bytes]]

# Compressible media types: these, any text/*, and any +json or +xml type.
DEFAULT_CONTENT_TYPES: Final = (
    "text/*",
    "application/json",
    "application/javascript",
    "application/x-javascript",
    "application/xml",
    "application/xhtml+xml",
    "application/ld+json",
    "application/manifest+json",
    "application/graphql-response+json",
    "application/wasm",
    "application/x-ndjson",
    "image/svg+xml",
    "image/x-icon",
    "image/bmp",
    "font/ttf",
    "font/otf",
    "+json",
    "+xml",
)
# Never compressed, even when the allow-list matches: a Server-Sent Events stream goes out
# event by event unbuffered (a proxy or browser buffering gzip could hold events back).
NEVER: Final = frozenset({"text/event-stream"})
UNTOUCHED_STATUSES: Final = frozenset({204, 206, 304})

_ACCEPT_ENCODING: Final = b"accept-encoding"
_UNKNOWN: Final = object()
_DROPPED_WHEN_ENCODED: Final = frozenset({b"content-length", b"accept-ranges"})


def accept_encoding(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The request's Accept-Encoding (the first one), or None."""
    for name, value in headers:
        if name == _ACCEPT_ENCODING:
            return value
    return None


class ContentTypes:
    """The allow-list: exact types, ``kind/*`` prefixes and ``+suffix`` structured suffixes."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = [pattern.strip().lower() for pattern in patterns]
        self.exact = frozenset(p for p in patterns if not p.endswith("/*") and p[:1] != "+")
        self.prefixes = tuple(p[:-1] for p in patterns if p.endswith("/*"))
        self.suffixes = tuple(p for p in patterns if p[:1] == "+")
        self._known: dict[bytes, bool] = {}  # a handful of distinct header values

    def allows(self, content_type: bytes) -> bool:
        known = self._known.get(content_type)
        if known is None:
            known = self._decide(content_type.decode("latin-1"))
            if len(self._known) < 256:
                self._known[content_type] = known
        return known

    def _decide(self, content_type: str) -> bool:
        media_type = content_type.partition(";")[0].strip().lower()
        if media_type in NEVER:
            return False
        return (
            media_type in self.exact
            or media_type.startswith(self.prefixes)
            or media_type.endswith(self.suffixes)
        )


class CompressionRules:
    """The middleware's settings and decisions."""

    def __init__(
        self, codings: tuple[Coding, ...], minimum_size: int, content_types: ContentTypes
    ) -> None:
        self.codings = codings
        self.names = tuple(coding.name for coding in codings)
        self.minimum_size = minimum_size
        self.content_types = content_types
        self._chosen: dict[bytes, object] = {}

    def choose(self, accept: bytes) -> Coding | None:
        """The coding a request's Accept-Encoding asks for, among those offered."""
        chosen = self._chosen.get(accept, _UNKNOWN)
        if chosen is _UNKNOWN:
            position = negotiate(accept.decode("latin-1"), self.names)
            chosen = None if position < 0 else self.codings[position]
            if len(self._chosen) < 256:  # clients send a handful of distinct headers
                self._chosen[accept] = chosen
        return chosen  # type: ignore[return-value]

    def eligible(self, status: int, headers: RawHeaders) -> bool:
        """Whether a response like this one is compressed (size aside): a compressible type,
        not yet encoded, not partial, not Cache-Control: no-transform."""
        if status < 200 or status in UNTOUCHED_STATUSES:
            return False
        allowed = False
        for name, value in headers:
            if name == b"content-type":
                allowed = self.content_types.allows(value)
            elif name == b"content-encoding" or (
                name == b"cache-control" and b"no-transform" in value.lower()
            ):
                return False
        return allowed

    def big_enough(self, size: int | None) -> bool:
        """Whether a body of ``size`` bytes is worth compressing (None: unknown, yes)."""
        return size is None or size >= self.minimum_size


def declared_length(headers: RawHeaders) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def encoded_headers(headers: RawHeaders, coding: Coding, length: int | None) -> RawHeaders:
    """``headers`` for the encoded body: Content-Encoding, Content-Length (None: none, the
    body streams), Vary, a weak ETag; no Accept-Ranges (ranges apply to the unencoded)."""
    result: RawHeaders = []
    for name, value in headers:
        if name in _DROPPED_WHEN_ENCODED or name == b"vary":
            continue
        if name == b"etag" and not value.startswith(b"W/"):
            value = b"W/" + value
        result.append((name, value))
    result.append((b"content-encoding", coding.header))
    if length is not None:
        result.append((b"content-length", str(length).encode()))
    result.append((b"vary", merged_vary(headers)))
    return result


def with_vary(headers: RawHeaders) -> RawHeaders:
    """``headers`` saying the response varies by Accept-Encoding (sent unencoded)."""
    vary = merged_vary(headers)
    return [(name, value) for name, value in headers if name != b"vary"] + [(b"vary", vary)]


def merged_vary(headers: RawHeaders) -> bytes:
    """Every Vary value of ``headers`` in one, with Accept-Encoding added if missing."""
    values = [value for name, value in headers if name == b"vary"]
    listed = [item.strip() for value in values for item in value.split(b",") if item.strip()]
    lowered = {item.lower() for item in listed}
    if b"*" not in lowered and b"accept-encoding" not in lowered:
        listed.append(b"Accept-Encoding")
    return b", ".join(listed)
