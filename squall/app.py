"""The application: routes from decorators, typed endpoints, ASGI and native entry points.

``App`` is a plain ASGI app under any server.  On Squall's server it also offers
``__squall_native__``: requests then come as the server's native request object and
responses leave through ``respond()``, with no ASGI message dicts built on the way.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import traceback
import typing
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import msgspec

from squall.di import Container, Solver
from squall.exceptions import HTTPException
from squall.params import (
    Extractor,
    MalformedBody,
    ValidationFailed,
    extract,
    plan_endpoint,
    validation_error,
)
from squall.requests import Request
from squall.responses import RawHeaders, Response
from squall.router import Declaration, Router
from squall.routing import Matcher, parse_template
from squall.server.native import NativeHandler, NativeRequest

logger = logging.getLogger("squall.app")
Endpoint = Callable[..., Any]
Outcome = tuple[int, RawHeaders, bytes]
JSON_HEADERS: RawHeaders = [(b"content-type", b"application/json")]
_encode = msgspec.json.Encoder().encode


def _json(status: int, payload: Any, headers: RawHeaders | None = None) -> Outcome:
    return status, JSON_HEADERS + (headers or []), _encode(payload)


@dataclass
class Route:
    path: str
    methods: tuple[str, ...]
    endpoint: Endpoint
    status_code: int
    extractors: list[Extractor]
    returns: Any  # the declared return type, or None
    is_async: bool

    async def call(
        self, app: App, request: Request, params: dict[str, Any], solver: Solver
    ) -> Outcome:
        kwargs = await extract(self.extractors, request, params, solver) if self.extractors else {}
        if self.is_async:
            result = await self.endpoint(**kwargs)
        else:
            call = functools.partial(self.endpoint, **kwargs)
            result = await asyncio.get_running_loop().run_in_executor(app.threads, call)
        return self.render(result)

    async def call_body_only(self, native: NativeRequest) -> Outcome:
        """The fast path for ``async def f(item: SomeModel)``: no Request object, no dicts."""
        extractor = self.extractors[0]
        raw = await native.body()
        if raw:
            assert extractor.decode is not None
            try:
                value = extractor.decode(raw)
            except msgspec.ValidationError as exc:
                raise ValidationFailed([validation_error(["body"], exc)]) from None
            except msgspec.DecodeError as exc:
                raise MalformedBody(str(exc)) from None
        elif extractor.required:
            raise ValidationFailed([{"loc": ["body"], "msg": "Field required", "type": "missing"}])
        else:
            value = extractor.default
        return self.render(await self.endpoint(value))

    @functools.cached_property
    def body_only(self) -> bool:
        extractors = self.extractors
        return self.is_async and len(extractors) == 1 and extractors[0].place == "body"

    def render(self, result: Any) -> Outcome:
        if isinstance(result, Response):
            return result.status_code, result.raw_headers, result.body
        returns = self.returns
        if returns is not None and not (inspect.isclass(returns) and isinstance(result, returns)):
            result = msgspec.convert(result, returns, from_attributes=True)
        return self.status_code, JSON_HEADERS, _encode(result)


class App(Router):
    def __init__(
        self,
        *,
        debug: bool = False,
        redirect_slashes: bool = True,
        thread_pool_size: int = 40,
    ) -> None:
        super().__init__()
        self.mounts: list[tuple[str, Any]] = []
        self.debug = debug
        self.router: Matcher[Route] = Matcher(redirect_slashes)
        self.threads = ThreadPoolExecutor(thread_pool_size, thread_name_prefix="squall-endpoint")
        self.startup: list[Callable[[], Any]] = []
        self.shutdown: list[Callable[[], Any]] = []
        self.container = Container()
        self.container.executor = self.threads
        # dependency -> replacement, consulted per request (tests override here).
        self.dependency_overrides = self.container.overrides

    # -- Declaring routes (the decorators come from Router) --------------------------------

    def add(self, declaration: Declaration) -> None:
        """Compile a declared route into the matcher."""
        super().add(declaration)
        path = declaration.path
        names = {seg.name for seg in parse_template(path) if not isinstance(seg, str)}
        returns = typing.get_type_hints(declaration.endpoint).get("return")
        extractors = plan_endpoint(declaration.endpoint, names)
        for index, depends in enumerate(declaration.dependencies):
            name = f"dependency {index}"
            extractors.append(
                Extractor(name, "depends", name, Any, None, depends=depends, passed=False)
            )
        route = Route(
            path,
            declaration.methods,
            declaration.endpoint,
            declaration.status_code,
            extractors,
            None if returns in (None, type(None), Any) else returns,
            inspect.iscoroutinefunction(declaration.endpoint),
        )
        self.router.add(path, route.methods, route)

    def mount(self, path: str, app: Any) -> None:
        """Hand every request under ``path`` to another ASGI app (root_path set for it)."""
        if not path.startswith("/") or path.endswith("/"):
            raise ValueError(f"a mount path starts with '/' and does not end with one: {path!r}")
        self.mounts.append((path, app))

    def on_startup(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        self.startup.append(hook)
        return hook

    def on_shutdown(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        self.shutdown.append(hook)
        return hook

    # -- Handling requests ----------------------------------------------------------------

    async def dispatch(
        self, method: str, path: str, request: Request, native: NativeRequest | None = None
    ) -> tuple[Outcome, Solver | None]:
        """The response for a request, and what to finish once it is sent."""
        match = self.router.match(method, path)
        route = match.target
        if route is None:
            return self._unrouted(match.allow, match.redirect, request), None
        if native is not None and route.body_only:
            try:
                return await route.call_body_only(native), None
            except Exception as exc:
                return self._failure(exc, method, path), None
        solver = Solver(self.container)
        try:
            return await route.call(self, request, match.params, solver), solver
        except Exception as exc:
            return self._failure(exc, method, path), solver

    def _unrouted(self, allow: list[str] | None, redirect: str | None, request: Request) -> Outcome:
        if allow is not None:
            allowed = ", ".join(allow).encode("latin-1")
            return _json(405, {"detail": "Method Not Allowed"}, [(b"allow", allowed)])
        if redirect is not None:
            location = redirect.encode("utf-8")
            if request.query_string:
                location += b"?" + request.query_string
            return 307, [(b"location", location)], b""
        return _json(404, {"detail": "Not Found"})

    def _failure(self, exc: Exception, method: str, path: str) -> Outcome:
        if isinstance(exc, ValidationFailed):
            return _json(422, {"detail": exc.errors})
        if isinstance(exc, MalformedBody):
            return _json(400, {"detail": f"Malformed JSON body: {exc}"})
        if isinstance(exc, HTTPException):
            headers = [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
            return _json(exc.status_code, {"detail": exc.detail}, headers)
        logger.error("unhandled exception in %s %s", method, path, exc_info=exc)
        text = "".join(traceback.format_exception(exc)) if self.debug else "Internal Server Error"
        return 500, [(b"content-type", b"text/plain; charset=utf-8")], text.encode()

    def __squall_native__(self) -> NativeHandler:
        return self._native

    def _mounted(self, path: str) -> tuple[str, Any] | None:
        for prefix, app in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, app
        return None

    async def _to_mount(
        self, mount: tuple[str, Any], scope: dict[str, Any], receive: Any, send: Any
    ) -> None:
        prefix, app = mount
        scope = dict(scope)
        scope["root_path"] = scope.get("root_path", "") + prefix
        await app(scope, receive, send)

    async def _native(self, native: NativeRequest) -> None:
        if self.mounts:
            mount = self._mounted(native.path)
            if mount is not None:
                await self._to_mount(mount, native.scope(), native.receive, native.send)
                return
        request = Request.from_native(native)
        outcome, solver = await self.dispatch(native.method, native.path, request, native)
        native.respond(*outcome)
        if solver is not None:
            await solver.finish()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"unsupported ASGI scope type {scope['type']!r}")
        root = scope.get("root_path", "")
        path = scope["path"]
        path = path[len(root) :] or "/" if root and path.startswith(root) else path
        if self.mounts:
            mount = self._mounted(path)
            if mount is not None:
                await self._to_mount(mount, scope, receive, send)
                return
        request = Request.from_asgi(scope, receive)
        (status, headers, body), solver = await self.dispatch(scope["method"], path, request)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        if solver is not None:
            await solver.finish()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            hooks = self.startup if message["type"] == "lifespan.startup" else self.shutdown
            phase = "startup" if hooks is self.startup else "shutdown"
            try:
                for hook in hooks:
                    outcome = hook()
                    if isinstance(outcome, Awaitable):
                        await outcome
            except Exception as exc:
                await send({"type": f"lifespan.{phase}.failed", "message": repr(exc)})
                return
            await send({"type": f"lifespan.{phase}.complete"})
            if phase == "shutdown":
                await self.container.close()
                self.threads.shutdown(wait=False)
                return
