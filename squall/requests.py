"""The request as endpoints see it, over either the ASGI scope or Squall's native request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from squall.native import NativeRequest

Receive = Callable[[], Awaitable[dict[str, Any]]]


def _ignore(_: Any) -> None:
    return None


def parse_query(query_string: bytes) -> list[tuple[str, str]]:
    """``parse_qsl(..., keep_blank_values=True)``, several times faster for the usual
    query without escapes (``%`` or ``+``): such a query needs splitting, not decoding."""
    text = query_string.decode("latin-1")
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True)
    pairs = []
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((name, value))
    return pairs


class QueryParams:
    """Query string parameters: ``get`` gives the first value, ``getlist`` all of them."""

    def __init__(self, query_string: bytes) -> None:
        self._pairs = parse_query(query_string)

    def get(self, key: str, default: Any = None) -> Any:
        for name, value in self._pairs:
            if name == key:
                return value
        return default

    def getlist(self, key: str) -> list[str]:
        return [value for name, value in self._pairs if name == key]

    def __contains__(self, key: str) -> bool:
        return any(name == key for name, _ in self._pairs)

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


class Request:
    """Method, path, query, headers, cookies and body of the request being handled."""

    def __init__(
        self,
        method: str,
        path: str,
        query_string: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        read_body: Callable[[], Awaitable[bytes]],
        scope: dict[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.raw_headers = raw_headers
        self._read_body = read_body
        self._body: bytes | None = None
        self._query: QueryParams | None = None
        self._headers: dict[str, str] | None = None
        self._cookies: dict[str, str] | None = None
        self._scope = scope
        self._state: dict[str, Any] | None = None
        self._native: NativeRequest | None = None
        self.on_finish: Callable[[Any], None] = _ignore  # collects after-response work

    @classmethod
    def from_native(cls, native: NativeRequest) -> Request:
        request = cls(native.method, native.path, native.query_string, native.headers, native.body)
        request._native = native
        return request

    @property
    def state(self) -> dict[str, Any]:
        """This request's copy of the lifespan state (what the app's lifespan yielded)."""
        if self._state is None:
            if self._native is not None:
                self._state = self._native.state
            else:
                self._state = (self._scope or {}).get("state", {})
        return self._state

    @classmethod
    def from_asgi(cls, scope: dict[str, Any], receive: Receive, path: str | None = None) -> Request:
        async def read_body() -> bytes:
            chunks = []
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ConnectionError("the client disconnected")
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    return b"".join(chunks)

        return cls(
            scope["method"],
            scope["path"],
            scope["query_string"],
            scope["headers"],
            read_body,
            scope,
        )

    async def body(self) -> bytes:
        if self._body is None:
            self._body = await self._read_body()
        return self._body

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.query_string)
        return self._query

    @property
    def headers(self) -> dict[str, str]:
        """Header values by lower-cased name (the first one when a header repeats)."""
        if self._headers is None:
            headers: dict[str, str] = {}
            for name, value in self.raw_headers:
                headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
            self._headers = headers
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            jar: SimpleCookie = SimpleCookie()
            jar.load(self.headers.get("cookie", ""))
            self._cookies = {key: morsel.value for key, morsel in jar.items()}
        return self._cookies
