"""The application: routes from decorators, typed endpoints, ASGI and native entry points.

``App`` is a plain ASGI app under any server.  On Squall's server it also offers
``__squall_native__``: requests then come as the server's native request object and
responses leave through ``respond()``, with no ASGI message dicts built on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, cast

from squall.app_info import AppInfo, DescribedApp
from squall.di import Container, Solver
from squall.errors import failure, hook_raised, unrouted
from squall.forms import FormLimits
from squall.lifespan import Lifecycle, LifecycleEvents, LifespanFactory
from squall.media import JSON, check_content_type
from squall.middleware.base import Middleware
from squall.middleware.chain import CallNext, MiddlewareFunction
from squall.middleware.hook_plan import HookPlan
from squall.middleware.hooks import SocketHooks
from squall.middleware.stack import MiddlewareStack
from squall.native import NativeHandler, NativeRequest, NativeWebSocket, NativeWebSocketHandler
from squall.openapi.docs_routes import add_docs_routes
from squall.outcome import JSON_HEADERS, Outcome, encode_json
from squall.params import Depends
from squall.requests import Request
from squall.response_end import after_response, keep_background, send_outcome
from squall.responses import Response, emit_asgi, emit_native
from squall.route import Route
from squall.route_planning import plan_http_route
from squall.router import Declaration, Router
from squall.routing import Matcher, route_path
from squall.websocket_route import WEBSOCKET, WebSocketRoute, plan_websocket_route
from squall.websockets import WebSocket

__all__ = ["App", "Route"]

Endpoint = Callable[..., Any]
_encode = encode_json


class App(DescribedApp, LifecycleEvents, Router):
    def __init__(
        self,
        *,
        debug: bool = False,
        redirect_slashes: bool = True,
        thread_pool_size: int = 40,
        lifespan: LifespanFactory | None = None,
        default_response_class: type | None = None,
        dependencies: Sequence[Depends] = (),
        strict_content_type: bool = True,
        exception_handlers: Mapping[type[BaseException] | int, Callable[..., Any]] | None = None,
        on_startup: Sequence[Callable[[], Any]] = (),
        on_shutdown: Sequence[Callable[[], Any]] = (),
        root_path: str = "",
        middleware: Sequence[Middleware] = (),
        form_limits: FormLimits | None = None,
        # OpenAPI settings (see squall/openapi/).
        title: str = "Squall",
        version: str = "0.1.0",
        description: str = "",
        summary: str | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        openapi_url: str | None = "/openapi.json",
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        swagger_ui_parameters: dict[str, Any] | None = None,
        docs_assets_url: str | None = "/docs/assets",
        asyncapi_url: str | None = "/asyncapi.json",  # the WebSocket routes' (squall/asyncapi/)
        separate_input_output_schemas: bool = True,
        root_path_in_servers: bool = True,
        webhooks: Router | None = None,
    ) -> None:
        super().__init__(dependencies=dependencies, default_response_class=default_response_class)
        self.mounts: list[tuple[str, Any]] = []
        self.mount_names: dict[str, str] = {}  # a named mount's path (url_path_for)
        self.routes: list[Route] = []
        self.state = SimpleNamespace()  # app-wide objects, for the app's own use
        self.lifecycle = Lifecycle(lifespan)
        self.exception_handlers: dict[type[BaseException] | int, Callable[..., Any]] = dict(
            exception_handlers or {}
        )
        self.user_middleware = MiddlewareStack()
        self._pipeline: CallNext | None = None  # the framework chain, while it has layers
        self._hooks: HookPlan | None = None  # the chain as hooks, when every layer has them
        # What _native checks of the plan on each request, kept here (an App attribute reads
        # faster than a compiled class's): some layer's before sees every request, the
        # methods gated ones see, and whether any after may change a response with no Request.
        self._screens_all = False
        self._screened: frozenset[str] = frozenset()
        self._leaves_unbound = False
        self._socket_hooks: SocketHooks | None = None  # what they do on a WebSocket handshake
        self.debug = debug
        self.root_path = root_path.rstrip("/")  # set: it overrides the server's root_path
        self.info = AppInfo(
            title,
            version,
            description,
            summary,
            terms_of_service,
            contact,
            license_info,
            openapi_url,
            docs_url,
            redoc_url,
            openapi_tags,
            servers or [],
            swagger_ui_oauth2_redirect_url,
            swagger_ui_init_oauth,
            swagger_ui_parameters,
            docs_assets_url,
            asyncapi_url,
            separate_input_output_schemas,
            root_path_in_servers,
            webhooks or Router(),
        )
        self.router: Matcher[Route] = Matcher(redirect_slashes)
        self.websocket_routes: Matcher[WebSocketRoute] = Matcher(redirect_slashes=False)
        # The static routes App._native may serve directly (the matcher's own table).
        # (none with App(root_path=...): those requests are routed after stripping it).
        self._direct_routes: dict[str, dict[str, Route]] = (
            {} if self.root_path else self.router.static
        )
        self.threads = ThreadPoolExecutor(thread_pool_size, thread_name_prefix="squall-endpoint")
        self.container = Container()
        self.container.executor = self.threads
        # False: a body without a Content-Type is read as JSON (see squall.media).
        self.strict_content_type = strict_content_type
        self.form_limits = form_limits or FormLimits()  # request.form()'s (squall.forms)
        from squall.openapi.serving import add_openapi_route  # (squall.openapi imports App's parts)

        add_openapi_route(self)  # GET openapi_url: the document's bytes
        self.lifecycle.startup += [self._restart_threads, self._create_singletons]
        self.lifecycle.startup.extend(on_startup)
        self.lifecycle.shutdown.extend(on_shutdown)
        for layer in reversed(middleware):  # the first listed is the outermost
            self.add_middleware(layer.cls, **layer.kwargs)
        self.lifecycle.closers += [self.container.close, self._stop_threads]
        add_docs_routes(self)  # /docs, /redoc and their assets, as the URLs above ask

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
        from squall.openapi.serving import make_way

        make_way(self, declaration)  # a route of the app's own at openapi_url wins
        super().add(declaration)
        path = declaration.path
        if declaration.websocket:
            socket_route = plan_websocket_route(declaration, self.strict_content_type)
            self.websocket_routes.add(path, (WEBSOCKET,), socket_route)
            return
        route = plan_http_route(declaration, self.strict_content_type, self.default_response_class)
        self.router.add(path, route.methods, route)
        self.routes.append(route)

    async def _create_singletons(self) -> None:
        plans = [route.extractors for route in self.routes]
        await self.container.create_singletons(plans)

    def _stop_threads(self) -> None:
        self.threads.shutdown(wait=False)

    def _restart_threads(self) -> None:
        """A new pool (no threads until used) if a shutdown stopped this one: the app is
        started again, by a second TestClient or server in one process."""
        if self.threads._shutdown:
            size = self.threads._max_workers
            fresh = ThreadPoolExecutor(size, thread_name_prefix="squall-endpoint")
            self.threads = self.container.executor = fresh

    def mount(self, path: str, app: Any, name: str | None = None) -> None:
        """Hand every request under ``path`` to another ASGI app (root_path set for it)."""
        if not path.startswith("/") or path.endswith("/"):
            raise ValueError(f"a mount path starts with '/' and does not end with one: {path!r}")
        self.mounts.append((path, app))
        if name is not None:
            self.mount_names[name] = path

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        """A route's path, or a file's below a named mount: ``url_path_for("static",
        path="/app.css")`` is ``/static/app.css`` for ``mount("/static", ..., name="static")``."""
        prefix = self.mount_names.get(name)
        if prefix is not None and path_params.keys() == {"path"}:
            return prefix + "/" + str(path_params["path"]).lstrip("/")
        return super().url_path_for(name, **path_params)

    def exception_handler(
        self, key: type[BaseException] | int
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``handler(request, exc) -> Response`` for an exception class or an HTTP status."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.add_exception_handler(key, handler)
            return handler

        return register

    def add_exception_handler(
        self, key: type[BaseException] | int, handler: Callable[..., Any]
    ) -> None:
        self.exception_handlers[key] = handler

    def middleware(self, kind: str = "http") -> Callable[[MiddlewareFunction], MiddlewareFunction]:
        """``async def mw(request, call_next) -> Response``, around every routed request
        (the one added last is the outermost, as in Starlette)."""
        if kind != "http":
            raise ValueError(f"only 'http' middleware exists, not {kind!r}")

        def register(layer: MiddlewareFunction) -> MiddlewareFunction:
            self.user_middleware.add_function(layer)
            self._chain_changed()
            return layer

        return register

    def add_middleware(self, cls: type, **options: Any) -> None:
        """Wrap the app in a middleware class: one of ``squall.middleware``'s (the app keeps
        the native path) or any ASGI middleware (e.g. Starlette's).  The one added last is
        the outermost; ASGI middleware always wrap the framework's own."""
        self.user_middleware.add_class(cls, options, self._asgi)
        self._chain_changed()

    def _chain_changed(self) -> None:
        if self.user_middleware.in_chain:
            self._pipeline = self.user_middleware.pipeline(self._routed_response)
            # On Squall's server, requests go through the hooks when every layer has them
            # (direct routes keep their short way), else through the chain (its own short way).
            self._hooks = plan = self.user_middleware.hook_plan()
            self._screens_all = plan is not None and plan.screens_all
            self._screened = frozenset() if plan is None else plan.screened
            self._leaves_unbound = plan is not None and plan.leaves_unbound
            self._socket_hooks = self.user_middleware.socket_hooks()
            self._direct_routes = (
                {} if self._hooks is None or self.root_path else self.router.static
            )

    # -- Handling requests ----------------------------------------------------------------

    async def dispatch(
        self, method: str, path: str, request: Request, chain: bool = True
    ) -> tuple[Outcome, Solver | None]:
        """The response for a request routed at ``path``, and what to finish once it is sent
        (through the middleware chain unless ``chain`` is False)."""
        if chain and self._pipeline is not None:
            return await self._through_middleware(request)
        match = self.router.match(method, path)
        route = match.target
        if route is None:
            root = request.path[: len(request.path) - len(path)]
            implemented = self.router.implements(method)
            outcome = await unrouted(self, match.allow, match.redirect, request, root, implemented)
            return outcome, None
        solver = Solver(self.container) if route.resolves else None
        try:
            request.path_params = match.params
            return await route.call(self, request, match.params, solver), solver
        except Exception as exc:
            return await failure(self, exc, request), solver

    async def _through_middleware(self, request: Request) -> tuple[Outcome, Solver | None]:
        pipeline = self._pipeline
        assert pipeline is not None  # set while the chain has layers
        solvers: list[Solver] = []
        request.on_finish = solvers.append
        try:
            response = await pipeline(request)
        except Exception as exc:
            return await failure(self, exc, request), (solvers[0] if solvers else None)
        keep_background(request, response)
        outcome = (response.status_code, response.raw_headers, response.body)
        return outcome, (solvers[0] if solvers else None)

    async def _routed_response(self, request: Request) -> Response:
        """The innermost step of the middleware chain: the routed endpoint's response."""
        root = self._root_of(request)
        path = route_path(request.path, root) if root else request.path
        native = cast(NativeRequest | None, request._native)  # an HTTP request's
        if native is None:
            return await self._matched_response(request, path)
        table = self.router.static.get(path)
        route = None if table is None else table.get(request.method)
        if route is None or not route.direct:
            return await self._matched_response(request, path)
        try:  # App._native's steps for a direct route (one coroutine for the chain's turn)
            if route.decode is not None:
                raw = native.ready_body()
                if raw is None:
                    raw = await native.body()
                result = await route.endpoint(route.decoded(raw, native.content_type))
            elif route.read_query is not None:
                result = await route.endpoint(**route.read_query(native.query_string))
            else:
                result = await route.endpoint()
            if type(result) is route.plain_type:  # the declared type: encode it as is
                return Response.from_parts(route.status_code, JSON_HEADERS, _encode(result))
            outcome = route.render(result)
            if isinstance(result, Response) and result.background is not None:
                request.background = result.background  # awaited once it has been sent
                request.finishes = True
        except Exception as exc:
            outcome = await failure(self, exc, request)
        return Response.from_parts(*outcome)

    async def _matched_response(self, request: Request, path: str) -> Response:
        match = self.router.match(request.method, path)
        route = match.target
        if route is None:
            root = request.path[: len(request.path) - len(path)]
            implemented = self.router.implements(request.method)
            outcome = await unrouted(self, match.allow, match.redirect, request, root, implemented)
        else:
            solver = None
            if route.resolves:
                solver = Solver(self.container)
                request.on_finish(solver)
            try:
                request.path_params = match.params
                outcome = await route.call(self, request, match.params, solver)
            except Exception as exc:
                outcome = await failure(self, exc, request)
        return Response.from_parts(*outcome)

    def _root_of(self, request: Request) -> str:
        """The root path the request came with (the App's own, when it has one)."""
        if self.root_path:
            return self.root_path
        native = request._native
        if native is not None:
            return native.root_path
        scope = request._scope
        return "" if scope is None else str(scope.get("root_path", ""))

    # -- Entry points -----------------------------------------------------------------------

    def __squall_native__(self) -> NativeHandler | None:
        """The native handler for Squall's server; None while ASGI middleware wraps the app."""
        return None if self.user_middleware.asgi else self._native

    def __squall_native_websocket__(self) -> NativeWebSocketHandler | None:
        """The native WebSocket handler for Squall's server; None while ASGI middleware wraps
        the app (the middleware sees every socket then, through ASGI)."""
        return None if self.user_middleware.asgi else self._native_websocket

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
        await self.user_middleware.around_mount(app)(scope, receive, send)

    async def _native(self, native: NativeRequest) -> None:
        if self.mounts:
            root = self.root_path or native.root_path
            mount = self._mounted(route_path(native.path, root) if root else native.path)
            if mount is not None:
                scope = native.scope()
                scope["root_path"] = root
                await self._to_mount(mount, scope, native.receive, native.send)
                return
        # The common case in one coroutine: a static path to an async endpoint that takes at
        # most a body (the seed's POST /user) or only query values (GET /baseline?a=1&b=2):
        # no Request, no Match, no Solver, no nested coroutines (a third of the query
        # request's CPU on Squall's server).  _direct_routes is empty while http middleware
        # exists; a root path is checked only on a hit (see Route.flat).
        path = native.path
        table = self._direct_routes.get(path)
        method = native.method  # (read once: the middleware's hooks look at it too)
        route = None if table is None else table.get(method)
        if route is not None and (route.flat or not native.root_path):  # routed as it is
            if route.direct:
                hooks = self._hooks  # the middleware's hooks (squall.middleware.hook_plan)
                if hooks is not None:  # no call for a method no layer's before screens
                    screened = self._screened
                    if self._screens_all or (screened and method in screened):
                        try:
                            answer = hooks.answer(native)
                        except Exception as exc:
                            await hook_raised(self, native, exc)
                            return
                        if answer is not None:
                            await send_outcome(native, answer)
                            return
                encoded: bytes | None = None
                outcome: Outcome
                after: Any = None  # a returned response's background
                try:
                    decode = route.decode
                    if decode is not None:
                        raw = native.ready_body()
                        if raw is None:
                            raw = await native.body()
                        if raw:  # as Route.decoded does, inline: a call less per request
                            content_type = native.content_type  # the server picked it out
                            if content_type != JSON:
                                check_content_type(content_type, route.strict_json)
                            try:
                                value = decode(raw)
                            except Exception as exc:
                                value = route.recovered(raw, exc)  # lax, or raises the 4xx
                        else:
                            value = route.empty_body_value()
                        result = await route.endpoint(value)
                    elif route.read_query is not None:
                        result = await route.endpoint(**route.read_query(native.query_string))
                    else:
                        result = await route.endpoint()
                    if type(result) is route.plain_type:  # the declared type: encode it as is
                        encoded = _encode(result)
                    else:
                        outcome = route.render(result)
                        if isinstance(result, Response):
                            after = result.background
                except Exception as exc:
                    failed = Request.from_native(native, self)
                    if hooks is not None:  # the handler's request gets what the middleware offer
                        hooks.bind(failed)
                    outcome = await failure(self, exc, failed)
                    if hooks is not None:
                        try:
                            outcome = hooks.leave(native, failed, outcome)
                        except Exception as raised:
                            await hook_raised(self, native, raised, failed)
                            return
                else:
                    if hooks is not None and self._leaves_unbound:
                        kept = None if encoded is None else hooks.kept_json_headers(native)
                        if kept is not None:  # no layer's after acts: their Vary only
                            native.respond(route.status_code, kept, encoded)  # type: ignore[arg-type]
                            return
                        if encoded is not None:
                            outcome, encoded = (route.status_code, JSON_HEADERS, encoded), None
                        try:
                            outcome = hooks.leave(native, None, outcome)
                        except Exception as exc:
                            await hook_raised(self, native, exc)
                            return
                if encoded is not None:
                    native.respond(route.status_code, JSON_HEADERS, encoded)
                elif type(outcome[2]) is bytes:
                    native.respond(*outcome)  # type: ignore[arg-type]
                else:
                    await emit_native(native, *outcome)
                if after is not None:
                    await after()
                return
        else:
            root = self.root_path or native.root_path
            if root:
                path = route_path(path, root)
        if self._hooks is not None:
            await self._through_hooks(native, path, self._hooks)
            return
        request = Request.from_native(native, self)
        pipeline = self._pipeline
        if pipeline is not None:  # _through_middleware's steps: a coroutine less per request
            solvers: list[Solver] = []
            request.on_finish = solvers.append
            try:
                response = await pipeline(request)
                keep_background(request, response)
                outcome = (response.status_code, response.raw_headers, response.body)
            except Exception as exc:
                outcome = await failure(self, exc, request)
            solver = solvers[0] if solvers else None
        else:
            outcome, solver = await self.dispatch(method, path, request)
        if type(outcome[2]) is bytes:  # the usual case: no extra coroutine
            native.respond(*outcome)  # type: ignore[arg-type]
        else:
            await emit_native(native, *outcome)
        if (solver is not None and not solver.idle) or request.finishes:
            await after_response(request, solver)

    async def _through_hooks(self, native: NativeRequest, path: str, hooks: HookPlan) -> None:
        """A request the short way does not serve, with the middleware's hooks around it."""
        screened = self._screened
        if self._screens_all or (screened and native.method in screened):
            try:
                answer = hooks.answer(native)
            except Exception as exc:
                await hook_raised(self, native, exc)
                return
            if answer is not None:
                await send_outcome(native, answer)
                return
        request = Request.from_native(native, self)
        hooks.bind(request)
        outcome, solver = await self.dispatch(native.method, path, request, chain=False)
        try:
            outcome = hooks.leave(native, request, outcome)
        except Exception as exc:
            await hook_raised(self, native, exc, request)
            return
        if type(outcome[2]) is bytes:  # the usual case: no extra coroutine
            native.respond(*outcome)  # type: ignore[arg-type]
        else:
            await emit_native(native, *outcome)
        if (solver is not None and not solver.idle) or request.finishes:
            await after_response(request, solver)

    def _native_websocket(self, socket: NativeWebSocket) -> Coroutine[Any, Any, None]:
        """A WebSocket from Squall's server: routed as ``_websocket`` routes an ASGI one,
        with no message dicts (a mounted app gets the ASGI scope, receive and send).  A plain
        function returning the route's coroutine: every coroutine between the server and
        the handler is paid on each message (README, "WebSocket")."""
        root = self.root_path or socket.root_path
        path = route_path(socket.path, root) if root else socket.path
        if self.mounts:
            mount = self._mounted(path)
            if mount is not None:
                scope = socket.scope()
                scope["root_path"] = root
                return self._to_mount(mount, scope, socket.receive, socket.send)
        websocket = WebSocket.from_native(socket, self)
        hooks = self._socket_hooks  # the middleware see the handshake, before routing
        if hooks is not None:
            refusal = hooks.refusal(socket)
            if refusal is not None:
                socket.respond(*refusal)  # type: ignore[arg-type]  # a bytes body
                return _answered()
            hooks.bind(websocket)
        return self._route_websocket(websocket, path)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if self.root_path and scope["type"] != "lifespan":
            scope["root_path"] = self.root_path
        if self.user_middleware.asgi:
            await self.user_middleware.asgi_stack(self._asgi)(scope, receive, send)
        else:
            await self._asgi(scope, receive, send)

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifecycle.run(self, scope, receive, send)
            return
        if scope["type"] not in ("http", "websocket"):
            raise RuntimeError(f"unsupported ASGI scope type {scope['type']!r}")
        root = scope.get("root_path", "")
        path = route_path(scope["path"], root) if root else scope["path"]
        if self.mounts:
            mount = self._mounted(path)
            if mount is not None:
                await self._to_mount(mount, scope, receive, send)
                return
        if scope["type"] == "websocket":  # through the ASGI faces of Squall's middleware
            await self.user_middleware.around_websockets(self._websocket)(scope, receive, send)
            return
        request = Request.from_asgi(scope, receive, path, self)
        outcome, solver = await self.dispatch(scope["method"], path, request)
        await emit_asgi(send, *outcome, scope, receive)
        if (solver is not None and not solver.idle) or request.finishes:
            await after_response(request, solver)

    async def _websocket(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """A WebSocket connection: its route's handler, or a refusal (close before accept:
        the server answers 403) when no route is at its path.  ``@app.middleware("http")``
        does not see it; Squall's middleware classes and ASGI middleware do."""
        root = scope.get("root_path", "")
        path = route_path(scope["path"], root) if root else scope["path"]
        await self._route_websocket(WebSocket(scope, receive, send, self), path)

    def _route_websocket(self, websocket: WebSocket, path: str) -> Coroutine[Any, Any, None]:
        """The coroutine that runs the route at ``path`` (refuses when there is none)."""
        match = self.websocket_routes.match(WEBSOCKET, path)
        if match.target is None:
            return websocket.close(1000)
        return match.target.start(self, websocket, match.params)


async def _answered() -> None:
    """What runs for a WebSocket a middleware answered before routing: nothing more."""
