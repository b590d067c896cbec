"""The request as endpoints see it, over either the ASGI scope or Squall's native request.

Everything beyond method, path and query string is built on first use (headers, cookies,
the URL, the scope on the native path...), so a request nobody inspects costs nothing more.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import msgspec

from squall.cookies import parse_cookie_header
from squall.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    QueryParams,
    State,
    parse_query,
)
from squall.native import ClientDisconnected, NativeConnection, NativeRequest

if TYPE_CHECKING:
    from squall.forms import FormLimits, FormReading

ClientDisconnect = ClientDisconnected  # Starlette's name for it: raised by body(), stream(), form()

Receive = Callable[[], Awaitable[dict[str, Any]]]

__all__ = ["Address", "QueryParams", "Request", "parse_query"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# An ASGI scope extension: a list the app appends the exceptions it answers with a 500 to
# (squall.testing.TestClient sets it, to raise them in the test).
UNHANDLED = "squall.unhandled_exceptions"


def _ignore(_: Any) -> None:
    return None


async def _no_body() -> bytes:  # replaced by the reader of the request's channel
    return b""


def ready_message(receive: Receive) -> dict[str, Any] | None:
    """What ``receive()`` gives without waiting, or None: a read that would wait is
    cancelled where it stands (Starlette's is_disconnected does the same with a cancel
    scope), in the caller's task."""
    steps = receive().__await__()
    try:
        steps.send(None)
    except StopIteration as done:
        return cast(dict[str, Any], done.value)
    try:
        steps.throw(asyncio.CancelledError())
    except StopIteration as done:  # it answered after all
        return cast(dict[str, Any], done.value)
    except asyncio.CancelledError:
        return None
    steps.close()  # it went on waiting: stop it for good
    return None


class Request:
    """Method, URL, headers, cookies and body of the request being handled."""

    # Set on first use (class-level defaults keep __init__ short: it runs per request).
    _body: bytes | None = None
    _query: QueryParams | None = None
    _headers: Headers | None = None
    _cookies: dict[str, str] | None = None
    _state: State | None = None
    _native: NativeConnection | None = None  # a NativeRequest (a WebSocket: NativeWebSocket)
    _url: URL | None = None
    _json: Any = None
    _form: FormData | None = None
    _streamed = False
    _receive: Receive | None = None  # ASGI's receive, when the request came through ASGI
    _early: list[dict[str, Any]] = []  # ASGI messages is_disconnected() took (never mutated)
    _disconnected = False  # is_disconnected() saw http.disconnect (ASGI)
    _session: dict[str, Any] | None = None
    # Set by SessionMiddleware in the App's chain: loads the session on first use.
    _load_session: Callable[[list[tuple[bytes, bytes]]], dict[str, Any]] | None = None
    app: Any = None  # the App handling the request
    background: Any = None  # a returned response's background, awaited once it is sent
    finishes = False  # True once there is work for after the response (background, form)
    path_params: dict[str, Any] = {}  # replaced per routed request, never mutated

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
        self._scope = scope
        self.on_finish: Callable[[Any], None] = _ignore  # collects after-response work

    @classmethod
    def from_native(cls, native: NativeRequest, app: Any = None) -> Request:
        request = cls(native.method, native.path, native.query_string, native.headers, native.body)
        request._native = native
        request.app = app
        return request

    @classmethod
    def from_asgi(
        cls, scope: dict[str, Any], receive: Receive, path: str | None = None, app: Any = None
    ) -> Request:
        request = cls(
            scope["method"],
            scope["path"],
            scope["query_string"],
            scope["headers"],
            _no_body,
            scope,
        )
        request._read_body = request._read_asgi_body
        request._receive = receive
        request.app = app
        return request

    # -- The connection ---------------------------------------------------------------------

    @property
    def scope(self) -> dict[str, Any]:
        """The ASGI scope (built once, on first use, on Squall's native path)."""
        if self._scope is None:
            self._scope = self._native.scope() if self._native is not None else {}
        return self._scope

    async def receive(self) -> dict[str, Any]:
        """The ASGI ``receive`` of this request."""
        if self._early:  # taken by is_disconnected() before the app asked for them
            message, *self._early = self._early
            return message
        if self._receive is not None:
            return await self._receive()
        if self._native is not None:
            return await self._native.receive()
        raise RuntimeError("this request has no ASGI receive channel")

    @property
    def client(self) -> Address | None:
        peer = self._native.client if self._native is not None else self.scope.get("client")
        return None if peer is None else Address(peer[0], peer[1])

    @property
    def state(self) -> State:
        """Values for this request, by attribute (``request.state.user = ...``) or key;
        it starts as a copy of the lifespan state (what the app's lifespan yielded)."""
        if self._state is None:
            if self._native is not None:
                self._state = State(self._native.state)
            else:
                self._state = State(self.scope.get("state") or {})
        return self._state

    @property
    def session(self) -> dict[str, Any]:
        """The session's values (``squall.middleware.SessionMiddleware``), read from its
        cookie the first time they are used."""
        if self._session is None:
            if self._load_session is not None:
                self._session = self._load_session(self.raw_headers)
            else:
                return _scope_session(self._scope)
        return self._session

    # -- The URL ----------------------------------------------------------------------------

    @property
    def url(self) -> URL:
        if self._url is None:
            url = self._origin() + _escape_path(self.path)
            if self.query_string:
                url += "?" + self.query_string.decode("latin-1")
            self._url = URL(url)
        return self._url

    @property
    def base_url(self) -> URL:
        """The app's root URL (its root path, with a trailing slash)."""
        root = self._root_path()
        return URL(self._origin() + _escape_path(root if root.endswith("/") else root + "/"))

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """The absolute URL of the route called ``name`` (root path included)."""
        path = self.app.url_path_for(name, **path_params)
        return URL(str(self.base_url).rstrip("/") + path)

    def _root_path(self) -> str:
        if self._native is not None:
            return self._native.root_path
        return str(self.scope.get("root_path", ""))

    def _origin(self) -> str:
        """``scheme://host[:port]`` from the Host header, else from the server's address."""
        if self._native is not None:
            scheme, server = self._native.scheme, self._native.server
        else:
            scheme, server = self.scope.get("scheme", "http"), self.scope.get("server")
        host = self.headers.get("host")
        if host:
            return f"{scheme}://{host}"
        if server is None:
            return ""
        name, port = server
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"
        if port is None or port == _DEFAULT_PORTS.get(scheme):
            return f"{scheme}://{name}"
        return f"{scheme}://{name}:{port}"

    @property
    def query_params(self) -> QueryParams:
        if self._query is None:
            self._query = QueryParams(self.query_string)
        return self._query

    # -- Headers and cookies ----------------------------------------------------------------

    @property
    def headers(self) -> Headers:
        """Case-insensitive; ``["x"]``/``get`` give the first of a repeated header,
        ``getlist`` every one."""
        if self._headers is None:
            self._headers = Headers(raw=self.raw_headers)
        return self._headers

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            self._cookies = parse_cookie_header("; ".join(self.headers.getlist("cookie")))
        return self._cookies

    # -- The body ---------------------------------------------------------------------------

    async def body(self) -> bytes:
        if self._body is None:
            if self._streamed:
                raise RuntimeError("the request body was already read with stream()")
            self._body = await self._read_body()
        return self._body

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """The body chunk by chunk as it arrives (or at once, if it was already read)."""
        if self._body is not None:
            yield self._body
            return
        if self._streamed:
            raise RuntimeError("the request body was already read with stream()")
        self._streamed = True
        if self._native is not None:
            async for chunk in cast(NativeRequest, self._native).stream():
                yield chunk
            return
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected("the client disconnected")
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def _read_asgi_body(self) -> bytes:
        chunks = []
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected("the client disconnected")
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def json(self) -> Any:
        """The body decoded as JSON; invalid JSON raises ``json.JSONDecodeError``."""
        if self._json is None:
            raw = await self.body()
            try:
                self._json = msgspec.json.decode(raw)
            except msgspec.DecodeError:
                import json

                self._json = json.loads(raw)  # raises JSONDecodeError, or accepts NaN etc.
        return self._json

    def form(
        self,
        *,
        max_files: int | None = None,
        max_fields: int | None = None,
        max_part_size: int | None = None,
        max_file_size: int | None = None,
        max_part_header_size: int | None = None,
    ) -> FormReading:
        """The submitted form (urlencoded, or multipart with python-multipart installed),
        parsed as the body arrives: ``await`` it, or ``async with`` it to close its files at
        the end of the block.  A limit left None is the app's (``App(form_limits=)``, see
        squall.forms.FormLimits)."""
        from squall.forms import FormReading, limits_for

        limits = limits_for(
            self.app,
            {
                "max_files": max_files,
                "max_fields": max_fields,
                "max_part_size": max_part_size,
                "max_file_size": max_file_size,
                "max_part_header_size": max_part_header_size,
            },
        )
        return FormReading(self._read_form, limits)

    async def _read_form(self, limits: FormLimits) -> FormData:
        if self._form is None:
            from squall.forms import parse_form

            content_type = self.headers.get("content-type", "")
            chunks = self.stream()
            try:
                self._form = await parse_form(content_type, chunks, limits)
            finally:
                await chunks.aclose()  # a refused form leaves the stream part-read
            self.finishes = True  # its files are closed after the response
        return self._form

    async def close(self) -> None:
        """Close the uploaded files of a form read with ``form()``."""
        if self._form is not None:
            await self._form.close()

    def report_unhandled(self, exc: BaseException) -> None:
        """Tell a server that asked (see UNHANDLED) about an exception answered with a 500."""
        scope = self._scope
        if scope is not None:
            sink = (scope.get("extensions") or {}).get(UNHANDLED)
            if sink is not None:
                sink.append(exc)

    async def is_disconnected(self) -> bool:
        """True once the client has gone.  Through ASGI it takes a message only if one is
        there without waiting (as Starlette's does); a body part it finds is kept for
        ``body()``/``stream()``/``receive()``, not lost."""
        if self._native is not None:
            return cast(NativeRequest, self._native).disconnected
        if not self._disconnected and self._receive is not None:
            message = ready_message(self._receive)
            if message is not None:
                self._early = [*self._early, message]
                self._disconnected = message.get("type") == "http.disconnect"
        return self._disconnected


def _scope_session(scope: dict[str, Any] | None) -> dict[str, Any]:
    """``scope["session"]``, set by a session middleware's ASGI face (Starlette's contract)."""
    if scope is None or "session" not in scope:
        raise AssertionError(
            "request.session needs SessionMiddleware: "
            "app.add_middleware(squall.middleware.SessionMiddleware, secret_key=...)"
        )
    session: dict[str, Any] = scope["session"]
    mark_accessed = getattr(session, "mark_accessed", None)
    if mark_accessed is not None:
        mark_accessed()  # the response varies on Cookie
    return session


def _escape_path(path: str) -> str:
    """A decoded path made safe to put in a URL: what would end the path is escaped."""
    return path.replace("?", "%3F").replace("#", "%23")
