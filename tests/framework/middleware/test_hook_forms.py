"""The hook form of each built-in middleware against its dispatch form: the same App behind
the same middleware, served natively by Squall's server twice -- once with the hooks (what
``add_middleware`` gives), once with ``hooks()`` turned off so every request goes through the
framework chain -- must answer the same requests with the same status, headers and body.
Then the hook chain's order (early answers seen by the layers outside only) and its use."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from squall import App, Request, Response
from squall.middleware import (
    CallNext,
    CompressionMiddleware,
    CORSMiddleware,
    GZipMiddleware,
    HTTPSRedirectMiddleware,
    RequestIdMiddleware,
    SessionMiddleware,
    SquallMiddleware,
    TrustedHostMiddleware,
)
from squall.middleware.hook_plan import HookPlan
from squall.middleware.hooks import Hooks
from squall.middleware.session_cookie import SignedCookie, dump_session
from squall.native import NativeRequest
from squall.outcome import Outcome
from squall.responses import JSONResponse, PlainTextResponse, StreamingResponse
from squall.testing import TestClient
from tests.server.serving import serve

SECRET = "hook parity"
NOW = 1_700_000_000.0
Layers = list[tuple[type, dict[str, Any]]]


def fixed_clock() -> float:
    return NOW


SESSION = SignedCookie(SECRET, 3600, fixed_clock).sign(dump_session({"n": 41}))

CORS = {
    "allow_origins": ["https://site.example"],
    "allow_methods": ["GET", "POST"],
    "allow_credentials": True,
    "expose_headers": ["X-Request-ID"],
}
TRUSTED = {"allowed_hosts": ["example.com", "www.example.net"]}
SESSIONS = {"secret_key": SECRET, "max_age": 3600, "clock": fixed_clock}
REQUEST_IDS = {"generator": lambda: "made-here"}

CONFIGS: dict[str, Layers] = {  # each App's middleware, innermost first (the order added)
    "cors": [(CORSMiddleware, CORS)],
    "trustedhost": [(TrustedHostMiddleware, TRUSTED)],
    "httpsredirect": [(HTTPSRedirectMiddleware, {})],
    "session": [(SessionMiddleware, SESSIONS)],
    "requestid": [(RequestIdMiddleware, REQUEST_IDS)],
    "compression": [(CompressionMiddleware, {"minimum_size": 100})],
    "gzip": [(GZipMiddleware, {})],
    "all": [
        (CompressionMiddleware, {"minimum_size": 100}),
        (SessionMiddleware, SESSIONS),
        (RequestIdMiddleware, REQUEST_IDS),
        (TrustedHostMiddleware, TRUSTED),
        (CORSMiddleware, CORS),
    ],
    "all-reversed": [
        (CORSMiddleware, CORS),
        (TrustedHostMiddleware, TRUSTED),
        (RequestIdMiddleware, REQUEST_IDS),
        (SessionMiddleware, SESSIONS),
        (CompressionMiddleware, {"minimum_size": 100}),
        (HTTPSRedirectMiddleware, {}),
    ],
}

SITE = {"origin": "https://site.example"}
GZIP = {"accept-encoding": "gzip"}
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("POST", "/user", {}),
    ("POST", "/user", {**SITE, **GZIP}),
    ("GET", "/query?a=2", {"x-request-id": "given-id"}),
    ("GET", "/big", GZIP),
    ("GET", "/big", {"accept-encoding": "br;q=0.5, gzip;q=0.1"}),
    ("GET", "/big", {"accept-encoding": "identity", **SITE}),
    ("GET", "/text", GZIP),
    ("GET", "/stream", GZIP),
    ("GET", "/items/7", {"x-request-id": "given-id", **GZIP}),
    ("GET", "/items/7", {"x-request-id": "not a valid id"}),
    ("GET", "/boom", SITE),
    ("GET", "/boom", {"cookie": f"session={SESSION}"}),
    ("GET", "/nowhere", SITE),
    ("GET", "/user", {}),
    ("GET", "/items/1", {"origin": "https://evil.example"}),
    ("OPTIONS", "/user", {**SITE, "access-control-request-method": "POST"}),
    (
        "OPTIONS",
        "/user",
        {"origin": "https://evil.example", "access-control-request-method": "PUT"},
    ),
    ("GET", "/big", {"host": "evil.test", **SITE}),
    ("GET", "/big?x=1", {"host": "example.net"}),
    ("GET", "/session/write", {}),
    ("GET", "/session/write", {"cookie": f"session={SESSION}", **GZIP}),
    ("GET", "/session/read", {"cookie": "session=forged"}),
    ("GET", "/session/read", {"cookie": f"session={SESSION}"}),
]


class NoHooks:
    """Mixed into a middleware class: only its dispatch form (the framework chain)."""

    def hooks(self) -> Hooks | None:
        return None


def dispatch_only(cls: type) -> type:
    return type("DispatchOnly" + cls.__name__, (NoHooks, cls), {})


def toolbox_app(layers: Layers, form: str) -> App:
    app = App()

    @app.post("/user")
    async def create_user(user: dict[str, Any]) -> dict[str, Any]:
        return {**user, "id": 1}

    @app.get("/query")
    async def query(a: int = 0) -> dict[str, int]:
        return {"a": a}

    @app.get("/big")
    async def big() -> list[dict[str, Any]]:
        return [{"item": index, "name": "something compressible"} for index in range(50)]

    @app.get("/text")
    async def text() -> Response:
        return PlainTextResponse("squall " * 200, headers={"x-route": "text"})

    @app.get("/stream")
    async def stream() -> Response:
        async def parts() -> Any:
            for index in range(3):
                yield f"part {index} ".encode() * 60

        return StreamingResponse(parts(), media_type="text/plain")

    @app.get("/items/{item_id}")
    async def item(item_id: int, request: Request) -> dict[str, Any]:
        return {"id": item_id, "request_id": getattr(request.state, "request_id", None)}

    @app.get("/session/write")
    async def write(request: Request) -> int:
        request.session["n"] = request.session.get("n", 0) + 1
        return int(request.session["n"])

    @app.get("/session/read")
    async def read(request: Request) -> dict[str, Any]:
        return dict(request.session)

    @app.get("/boom")
    async def boom() -> str:
        raise ValueError("boom")

    @app.exception_handler(ValueError)
    async def on_value_error(request: Request, exc: ValueError) -> Response:
        with contextlib.suppress(Exception):  # only with SessionMiddleware
            request.session["failed"] = True
        request_id = getattr(request.state, "request_id", None)
        return JSONResponse({"error": str(exc), "request_id": request_id}, status_code=418)

    for cls, options in layers:
        app.add_middleware(cls if form == "hooks" else dispatch_only(cls), **options)
    assert (app._hooks is not None) == (form == "hooks")
    return app


def answers(layers: Layers, form: str) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    """Each of REQUESTS's answers, from the App served natively in ``form``."""
    seen = []
    with serve(toolbox_app(layers, form)) as running, httpx.Client(base_url=running.url) as client:
        for method, target, headers in REQUESTS:
            client.cookies.clear()
            body = {"name": "squall"} if method == "POST" else None
            headers = {"host": "example.com", **headers}
            answer = client.request(method, target, headers=headers, json=body)
            fields = [(name, value) for name, value in answer.headers.multi_items()]
            seen.append((answer.status_code, [f for f in fields if f[0] != "date"], answer.content))
    return seen


@pytest.mark.parametrize("config", CONFIGS)
def test_the_hook_form_answers_as_the_dispatch_form(config: str) -> None:
    hooked, dispatched = answers(CONFIGS[config], "hooks"), answers(CONFIGS[config], "dispatch")
    for request, hook_answer, dispatch_answer in zip(REQUESTS, hooked, dispatched, strict=True):
        assert hook_answer == dispatch_answer, request


def test_the_requests_reach_what_each_middleware_does() -> None:
    """The parity above is not vacuous: the middleware act on these requests."""
    by_request = dict(zip(map(str, REQUESTS), answers(CONFIGS["all"], "hooks"), strict=True))

    def answer_to(method: str, target: str, headers: dict[str, str]) -> Any:
        return by_request[str((method, target, headers))]

    status, headers, body = answer_to("GET", "/big", {"host": "evil.test", **SITE})
    assert (status, body) == (400, b"Invalid host header")
    assert ("access-control-allow-origin", "https://site.example") in headers  # CORS outside
    status, headers, _ = answer_to("GET", "/big", GZIP)
    assert ("content-encoding", "gzip") in headers
    assert ("x-request-id", "made-here") in headers
    _, headers, body = answer_to("GET", "/items/7", {"x-request-id": "given-id", **GZIP})
    assert body == b'{"id":7,"request_id":"given-id"}'
    status, headers, body = answer_to("GET", "/boom", {"cookie": f"session={SESSION}"})
    assert (status, body) == (418, b'{"error":"boom","request_id":"made-here"}')
    assert any(name == "set-cookie" for name, _ in headers)  # the handler changed the session
    status, _, body = answer_to("GET", "/session/write", {"cookie": f"session={SESSION}", **GZIP})
    assert (status, body) == (200, b"42")
    assert (
        answer_to("OPTIONS", "/user", {**SITE, "access-control-request-method": "POST"})[0] == 200
    )


# -- The hook chain --------------------------------------------------------------------------


class Recorder:
    """Hooks that record their calls; ``answer_at`` makes ``before`` answer."""

    def __init__(self, name: str, calls: list[str], answers: bool = False) -> None:
        self.name, self.calls, self.answers = name, calls, answers

    def hooks(self) -> Hooks:
        return Hooks(before=self.before, after=self.after)

    def before(self, native: NativeRequest) -> Outcome | None:
        self.calls.append(f"{self.name}.before")
        return (403, [], self.name.encode()) if self.answers else None

    def after(self, native: NativeRequest, request: Request | None, outcome: Outcome) -> Outcome:
        self.calls.append(f"{self.name}.after")
        status, headers, body = outcome
        return status, [*headers, (b"x-seen-by", self.name.encode())], body


def a_native(method: str = "GET") -> Any:
    """What HookPlan reads of a native request (no gate here: it only reads it)."""
    return SimpleNamespace(method=method, scheme="http", headers=[(b"host", b"a.test")])


def test_the_chain_runs_before_outside_in_and_after_inside_out() -> None:
    calls: list[str] = []
    plan = HookPlan([Recorder(name, calls).hooks() for name in ("outer", "middle", "inner")])
    native = a_native()
    assert plan.screens_all
    assert plan.answer(native) is None
    outcome = plan.leave(native, None, (200, [], b"routed"))
    assert calls == [
        *("outer.before", "middle.before", "inner.before"),
        *("inner.after", "middle.after", "outer.after"),
    ]
    assert [value for _, value in outcome[1]] == [b"inner", b"middle", b"outer"]


def test_an_early_answer_is_seen_only_by_the_layers_outside() -> None:
    calls: list[str] = []
    layers = [Recorder("outer", calls), Recorder("middle", calls, True), Recorder("inner", calls)]
    plan = HookPlan([layer.hooks() for layer in layers])
    outcome = plan.answer(a_native())
    assert calls == ["outer.before", "middle.before", "outer.after"]
    assert outcome == (403, [(b"x-seen-by", b"outer")], b"middle")


class CountingPassThrough(SquallMiddleware):
    """Does nothing in either form, and counts the requests its dispatch form saw."""

    dispatched = 0

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        CountingPassThrough.dispatched += 1
        return await call_next(request)

    def hooks(self) -> Hooks:
        return Hooks()


def counted_app(*extra: type) -> App:
    app = App()

    @app.get("/")
    async def root() -> str:
        return "root"

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> int:
        return item_id

    app.add_middleware(CountingPassThrough)
    for cls in extra:
        app.add_middleware(cls)
    return app


@pytest.mark.parametrize("path", ["/", "/items/3"])
def test_on_squalls_server_the_hooks_replace_the_chain(path: str) -> None:
    CountingPassThrough.dispatched = 0
    with serve(counted_app()) as running:
        assert httpx.get(running.url + path).status_code == 200
    assert CountingPassThrough.dispatched == 0
    with TestClient(counted_app()) as client:  # ASGI: the chain
        assert client.get(path).status_code == 200
    assert CountingPassThrough.dispatched == 1


def test_a_layer_with_only_dispatch_keeps_every_layer_in_the_chain() -> None:
    CountingPassThrough.dispatched = 0
    app = counted_app(dispatch_only(CORSMiddleware))
    assert app._hooks is None
    with serve(app) as running:
        answer = httpx.get(running.url + "/")
    assert (answer.json(), answer.headers["vary"]) == ("root", "Origin")
    assert CountingPassThrough.dispatched == 1
