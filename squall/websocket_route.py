"""WebSocket routes: planned like HTTP routes (typed parameters, ``Depends``), run once per
connection.

A WebSocket route matches by path alone (there is no method).  Its parameters are read
from the handshake request: path, query, headers, cookies, dependencies, and the
``WebSocket`` itself (a parameter annotated with it).  Invalid parameters close the socket
with 1008 before it is accepted; generator dependencies are closed when the handler ends.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from squall.dependants import plan_route
from squall.di import Solver
from squall.errors import websocket_failure
from squall.exceptions import WebSocketRequestValidationError
from squall.models import ValidationFailed
from squall.params import (
    Extractor,
    awaits,
    extract,
    extract_now,
    needs_resolver,
    plan_endpoint,
)
from squall.router import Declaration
from squall.routing import parse_template
from squall.websockets import WebSocket

if TYPE_CHECKING:
    from squall.app import App

# The matcher routes by method and path: WebSocket routes sit under this pseudo-method.
WEBSOCKET = "WEBSOCKET"
_NOT_ROUTABLE = ("body", "embedded", "form", "form-model", "background", "response")


@dataclass
class WebSocketRoute:
    path: str
    endpoint: Callable[..., Any]
    extractors: list[Extractor]
    declaration: Declaration | None = None
    resolves: bool = field(init=False)  # needs a Solver (dependencies)
    direct: bool = field(init=False)  # nothing to await before the handler (see start)

    def __post_init__(self) -> None:
        self.resolves = needs_resolver(self.extractors)
        self.direct = not self.resolves and not awaits(self.extractors)

    def start(
        self, app: App, websocket: WebSocket, params: dict[str, Any]
    ) -> Coroutine[Any, Any, None]:
        """The coroutine that serves this socket: on Squall's native path, for a route with
        nothing to await before its handler (no dependency), the handler's coroutine itself,
        its errors answered through the socket's ``recover_with`` (no coroutine of ours
        around it, paid on every message); else ``run``."""
        socket = websocket._socket
        if socket is None or not self.direct:
            return self.run(app, websocket, params)
        websocket.path_params = params
        try:
            try:
                kwargs = extract_now(self.extractors, websocket, params, None)
            except ValidationFailed as exc:
                raise WebSocketRequestValidationError(exc.errors()) from None
            handler: Coroutine[Any, Any, None] = self.endpoint(**kwargs)
        except Exception as exc:
            return websocket_failure(app, exc, websocket)
        socket.recover_with(functools.partial(_failed, app, websocket))
        return handler

    async def run(self, app: App, websocket: WebSocket, params: dict[str, Any]) -> None:
        """Read the parameters, run the handler; an exception closes the socket with the
        code its kind means (squall.errors.websocket_failure)."""
        solver = Solver(app.container) if self.resolves else None
        websocket.path_params = params
        try:
            try:
                kwargs = await extract(self.extractors, websocket, params, solver)
            except ValidationFailed as exc:
                raise WebSocketRequestValidationError(exc.errors()) from None
            await self.endpoint(**kwargs)
            if solver is not None:
                await solver.endpoint_returned()
        except Exception as exc:
            if solver is not None:
                try:
                    await solver.unwind(exc)  # generator dependencies see it
                except Exception as raised:
                    exc = raised
            await websocket_failure(app, exc, websocket)
        if solver is not None:
            await solver.finish()  # closes the generator dependencies


def _failed(app: App, websocket: WebSocket, exc: Exception) -> Coroutine[Any, Any, None]:
    return websocket_failure(app, exc, websocket)


def plan_websocket_route(declaration: Declaration, strict_json: bool) -> WebSocketRoute:
    """Compile a declared WebSocket route; raises TypeError for a handler that cannot be
    one (not ``async def``, or asking for a body, form or background tasks)."""
    endpoint = declaration.endpoint
    if not inspect.iscoroutinefunction(endpoint):
        raise TypeError(f"a WebSocket handler is an async def: {endpoint!r}")
    names = {seg.name for seg in parse_template(declaration.path) if not isinstance(seg, str)}
    extractors = plan_endpoint(endpoint, names, strict_json)
    for ex in extractors:
        if ex.place in _NOT_ROUTABLE:
            raise TypeError(
                f"parameter {ex.name!r} of WebSocket handler {endpoint.__qualname__} reads "
                f"{ex.place!r}, which a WebSocket handshake does not have"
            )
    extractors = plan_route(extractors, frozenset(names), declaration.dependencies, strict_json)
    return WebSocketRoute(declaration.path, endpoint, extractors, declaration)
