"""The application: routes from decorators, typed endpoints, ASGI and native entry points.

``App`` is a plain ASGI app under any server.  On Squall's server it also offers
``__squall_native__``: requests then come as the server's native request object and
responses leave through ``respond()``, with no ASGI message dicts built on the way.
"""

from __future__ import annotations

import inspect
import logging
import traceback
import typing
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import msgspec

from squall.calling import run_sync
from squall.dependants import plan_route
from squall.di import Container, Solver
from squall.exceptions import HTTPException
from squall.lifespan import Lifecycle, LifespanFactory
from squall.media import JSON_TYPE_HEADER, check_json_body
from squall.middleware import CallNext, Middleware, build_asgi_stack, chain
from squall.models import (
    MalformedBody,
    ValidationFailed,
    body_error,
    conform,
    encode_extra,
    raw_body_decoder,
)
from squall.native import NativeHandler, NativeRequest
from squall.params import (
    Depends,
    Extractor,
    awaits,
    extract,
    extract_now,
    needs_resolver,
    plan_endpoint,
)
from squall.requests import Request
from squall.responses import Body, RawHeaders, Response, emit_asgi, emit_native
from squall.router import Declaration, Router
from squall.routing import Matcher, parse_template

logger = logging.getLogger("squall.app")
Endpoint = Callable[..., Any]
Outcome = tuple[int, RawHeaders, Body]
JSON_HEADERS: RawHeaders = [(b"content-type", b"application/json")]
_encode = msgspec.json.Encoder(enc_hook=encode_extra).encode


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
    # Derived from the above once, here: read on every request, so plain attributes.
    awaits: bool = field(init=False)  # reading the arguments needs an await (body, dependency)
    resolves: bool = field(init=False)  # needs a Solver: dependencies, background, response
    direct: bool = field(init=False)  # async, at most a body: served straight (App._native)
    plain_type: Any = field(init=False)  # results of exactly this type are encoded as they are
    decode: Callable[[bytes], Any] | None = field(init=False)  # a body-only endpoint's decoder
    strict_json: bool = field(init=False)  # refuse its body without a Content-Type

    def __post_init__(self) -> None:
        extractors = self.extractors
        self.awaits = awaits(extractors)
        self.resolves = needs_resolver(extractors)
        body_only = self.is_async and len(extractors) == 1 and extractors[0].place == "body"
        self.direct = self.is_async and (not extractors or body_only)
        returns = self.returns
        response_class = isinstance(returns, type) and issubclass(returns, Response)
        self.plain_type = None if response_class else returns  # a Response goes through render
        decode = extractors[0].decode if body_only else None
        # The raw decoder raises msgspec.DecodeError as it is (see body_error).
        self.decode = None if decode is None else raw_body_decoder(decode)
        self.strict_json = extractors[0].strict_json if body_only else True

    async def call(
        self, app: App, request: Request, params: dict[str, Any], solver: Solver | None
    ) -> Outcome:
        try:
            extractors = self.extractors
            if not extractors:
                kwargs: dict[str, Any] = {}
            elif self.awaits:
                kwargs = await extract(extractors, request, params, solver)
            else:
                kwargs = extract_now(extractors, request, params, solver)
            if self.is_async:
                result = await self.endpoint(**kwargs)
            else:
                result = await run_sync(app.threads, self.endpoint, **kwargs)
            status, headers, body = self.render(result)
            if solver is None:
                return status, headers, body
            await solver.endpoint_returned()  # closes scope="function" dependencies
        except Exception as exc:
            if solver is not None:
                await solver.unwind(exc)  # generator dependencies see it (may raise another)
            raise
        partial = solver.partial
        if partial is not None and not isinstance(result, Response):
            status = partial.status_code or status
            headers = headers + partial.raw_headers
        return status, headers, body

    def empty_body_value(self) -> Any:
        """The body-only endpoint's argument when the request has no body."""
        extractor = self.extractors[0]
        if extractor.required:
            raise ValidationFailed([{"loc": ["body"], "msg": "Field required", "type": "missing"}])
        return extractor.default

    def render(self, result: Any) -> Outcome:
        if isinstance(result, Response):
            return result.status_code, result.raw_headers, result.body
        returns = self.returns
        if returns is not None and type(result) is not returns:  # exact type: nothing to do
            result = conform(result, returns)
        return self.status_code, JSON_HEADERS, _encode(result)


class App(Router):
    def __init__(
        self,
        *,
        debug: bool = False,
        redirect_slashes: bool = True,
        thread_pool_size: int = 40,
        lifespan: LifespanFactory | None = None,
        dependencies: Sequence[Depends] = (),
        strict_content_type: bool = True,
    ) -> None:
        super().__init__(dependencies=dependencies)
        self.mounts: list[tuple[str, Any]] = []
        self._routes: list[Route] = []
        self.state = SimpleNamespace()  # app-wide objects, for the app's own use
        self.lifecycle = Lifecycle(lifespan)
        self.exception_handlers: dict[type[BaseException] | int, Callable[..., Any]] = {}
        self.http_middleware: list[Middleware] = []
        self.asgi_middleware: list[tuple[type, dict[str, Any]]] = []
        self._asgi_stack: Any = None
        self._pipeline: CallNext | None = None
        self.debug = debug
        self.router: Matcher[Route] = Matcher(redirect_slashes)
        self.threads = ThreadPoolExecutor(thread_pool_size, thread_name_prefix="squall-endpoint")
        self.container = Container()
        self.container.executor = self.threads
        # False: a body without a Content-Type is read as JSON (see squall.media).
        self.strict_content_type = strict_content_type
        self.lifecycle.startup.append(self._create_singletons)
        self.lifecycle.closers += [self.container.close, self._stop_threads]

    @property
    def dependency_overrides(self) -> dict[Callable[..., Any], Callable[..., Any]]:
        """dependency -> replacement, consulted per request (tests override here)."""
        return self.container.overrides

    @dependency_overrides.setter
    def dependency_overrides(self, overrides: dict[Callable[..., Any], Callable[..., Any]]) -> None:
        self.container.overrides = overrides

    # -- Declaring routes (the decorators come from Router) --------------------------------

    def add(self, declaration: Declaration) -> None:
        """Compile a declared route into the matcher."""
        super().add(declaration)
        path = declaration.path
        names = {seg.name for seg in parse_template(path) if not isinstance(seg, str)}
        returns = typing.get_type_hints(declaration.endpoint).get("return")
        extractors = plan_endpoint(declaration.endpoint, names, self.strict_content_type)
        extractors = plan_route(extractors, frozenset(names), declaration.dependencies)
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
        self._routes.append(route)

    async def _create_singletons(self) -> None:
        plans = [route.extractors for route in self._routes]
        await self.container.create_singletons(plans)

    def _stop_threads(self) -> None:
        self.threads.shutdown(wait=False)

    def mount(self, path: str, app: Any) -> None:
        """Hand every request under ``path`` to another ASGI app (root_path set for it)."""
        if not path.startswith("/") or path.endswith("/"):
            raise ValueError(f"a mount path starts with '/' and does not end with one: {path!r}")
        self.mounts.append((path, app))

    def on_startup(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        self.lifecycle.startup.append(hook)
        return hook

    def on_shutdown(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        self.lifecycle.shutdown.append(hook)
        return hook

    def exception_handler(
        self, key: type[BaseException] | int
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``handler(request, exc) -> Response`` for an exception class or an HTTP status."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.exception_handlers[key] = handler
            return handler

        return register

    def middleware(self, kind: str = "http") -> Callable[[Middleware], Middleware]:
        """``async def mw(request, call_next) -> Response``, around every routed request."""
        if kind != "http":
            raise ValueError(f"only 'http' middleware exists, not {kind!r}")

        def register(layer: Middleware) -> Middleware:
            self.http_middleware.append(layer)
            self._pipeline = None
            return layer

        return register

    def add_middleware(self, cls: type, **options: Any) -> None:
        """Wrap the app in an ASGI middleware class (e.g. Starlette's CORSMiddleware)."""
        self.asgi_middleware.append((cls, options))
        self._asgi_stack = None

    # -- Handling requests ----------------------------------------------------------------

    async def dispatch(
        self, method: str, path: str, request: Request
    ) -> tuple[Outcome, Solver | None]:
        """The response for a request, and what to finish once it is sent."""
        if self.http_middleware:
            return await self._through_middleware(request)
        match = self.router.match(method, path)
        route = match.target
        if route is None:
            return self._unrouted(match.allow, match.redirect, request), None
        solver = Solver(self.container) if route.resolves else None
        request.path_params = match.params
        try:
            return await route.call(self, request, match.params, solver), solver
        except Exception as exc:
            return await self._failure(exc, request), solver

    async def _through_middleware(self, request: Request) -> tuple[Outcome, Solver | None]:
        if self._pipeline is None:
            self._pipeline = chain(self.http_middleware, self._routed_response)
        solvers: list[Solver] = []
        request.on_finish = solvers.append
        try:
            response = await self._pipeline(request)
        except Exception as exc:
            return await self._failure(exc, request), (solvers[0] if solvers else None)
        outcome = (response.status_code, response.raw_headers, response.body)
        return outcome, (solvers[0] if solvers else None)

    async def _routed_response(self, request: Request) -> Response:
        match = self.router.match(request.method, request.path)
        route = match.target
        if route is None:
            outcome = self._unrouted(match.allow, match.redirect, request)
        else:
            solver = None
            if route.resolves:
                solver = Solver(self.container)
                request.on_finish(solver)
            request.path_params = match.params
            try:
                outcome = await route.call(self, request, match.params, solver)
            except Exception as exc:
                outcome = await self._failure(exc, request)
        return Response.from_parts(*outcome)

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

    async def _failure(self, exc: Exception, request: Request) -> Outcome:
        handler = self._handler_for(exc)
        if handler is not None:
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
            return response.status_code, response.raw_headers, response.body
        if isinstance(exc, ValidationFailed):
            return _json(422, {"detail": exc.errors})
        if isinstance(exc, MalformedBody):
            return _json(400, {"detail": f"Malformed JSON body: {exc}"})
        if isinstance(exc, HTTPException):
            headers = [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
            return _json(exc.status_code, {"detail": exc.detail}, headers)
        logger.error("unhandled exception in %s %s", request.method, request.path, exc_info=exc)
        request.report_unhandled(exc)
        text = "".join(traceback.format_exception(exc)) if self.debug else "Internal Server Error"
        return 500, [(b"content-type", b"text/plain; charset=utf-8")], text.encode()

    def _handler_for(self, exc: Exception) -> Callable[..., Any] | None:
        handlers = self.exception_handlers
        if not handlers:
            return None
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls]
        if isinstance(exc, HTTPException):
            return handlers.get(exc.status_code)
        return None

    # -- Entry points -----------------------------------------------------------------------

    def __squall_native__(self) -> NativeHandler | None:
        """The native handler for Squall's server; None while ASGI middleware wraps the app."""
        return None if self.asgi_middleware else self._native

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
        if not self.http_middleware:
            # The common case in one coroutine: a static path to an async endpoint that
            # takes at most a body (e.g. the seed's POST /user): no Request, no Match, no
            # Solver, no nested coroutines (~25% of the request's CPU on Squall's server).
            table = self.router.static.get(native.path)
            route = None if table is None else table.get(native.method)
            if route is not None and route.direct:
                encoded: bytes | None = None
                outcome: Outcome
                try:
                    decode = route.decode
                    if decode is not None:
                        raw = native.ready_body()
                        if raw is None:
                            raw = await native.body()
                        if raw:
                            if JSON_TYPE_HEADER not in native.headers:  # one C-level scan
                                check_json_body(native.headers, route.strict_json)
                            try:
                                value = decode(raw)
                            except msgspec.DecodeError as exc:
                                raise body_error(exc) from None
                        else:
                            value = route.empty_body_value()
                        result = await route.endpoint(value)
                    else:
                        result = await route.endpoint()
                    if type(result) is route.plain_type:  # the declared type: encode it as is
                        encoded = _encode(result)
                    else:
                        outcome = route.render(result)
                except Exception as exc:
                    outcome = await self._failure(exc, Request.from_native(native, self))
                if encoded is not None:
                    native.respond(route.status_code, JSON_HEADERS, encoded)
                elif type(outcome[2]) is bytes:
                    native.respond(*outcome)  # type: ignore[arg-type]
                else:
                    await emit_native(native, *outcome)
                return
        request = Request.from_native(native, self)
        outcome, solver = await self.dispatch(native.method, native.path, request)
        if type(outcome[2]) is bytes:  # the usual case: no extra coroutine
            native.respond(*outcome)  # type: ignore[arg-type]
        else:
            await emit_native(native, *outcome)
        if solver is not None and not solver.idle:
            await solver.finish()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.asgi_middleware:
            if self._asgi_stack is None:
                self._asgi_stack = build_asgi_stack(self._asgi, self.asgi_middleware)
            await self._asgi_stack(scope, receive, send)
        else:
            await self._asgi(scope, receive, send)

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifecycle.run(self, scope, receive, send)
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
        request = Request.from_asgi(scope, receive, path, self)
        outcome, solver = await self.dispatch(scope["method"], path, request)
        await emit_asgi(send, *outcome)
        if solver is not None and not solver.idle:
            await solver.finish()
