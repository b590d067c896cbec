"""The gates of the middleware's hooks (squall/middleware/hook_plan.py) skip only requests a
layer does not act on.  For each built-in layer, on Squall's server with httpx: requests it
lets pass (which make no call into it), then one it must act on, both on the App's short way
(POST /user, GET /big: no Request made) and on a routed path.  Then the plan's gates one by
one, with recording hooks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from squall import App, Request
from squall.middleware import (
    CompressionMiddleware,
    CORSMiddleware,
    HTTPSRedirectMiddleware,
    RequestIdMiddleware,
    SessionMiddleware,
    TrustedHostMiddleware,
)
from squall.middleware.hook_plan import HookPlan
from squall.middleware.hooks import Hooks
from squall.native import NativeRequest
from squall.outcome import JSON_HEADERS, Outcome
from tests.server.serving import Running, serve

SITE = "https://site.example"
PATHS = [("POST", "/user"), ("GET", "/items/7")]  # the short way, and a routed request


def gated_app(cls: type, **options: Any) -> App:
    app = App()

    @app.post("/user")
    async def create_user(user: dict[str, Any]) -> dict[str, Any]:
        return {**user, "id": 1}

    @app.get("/big")
    async def big() -> list[str]:
        return ["compressible"] * 100

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "text": "compressible " * 10}

    @app.get("/visits")
    async def visits(request: Request) -> int:
        request.session["visits"] = request.session.get("visits", 0) + 1
        return int(request.session["visits"])

    app.add_middleware(cls, **options)
    return app


@contextlib.contextmanager
def serving(app: App, **options: Any) -> Iterator[tuple[Running, httpx.Client]]:
    """The app on Squall's server, and a client that sends no Accept-Encoding unless asked
    (httpx sends one by default), closed before the server stops."""
    with serve(app, **options) as running, httpx.Client() as client:
        del client.headers["accept-encoding"]
        yield running, client


def call(client: httpx.Client, url: str, method: str, path: str, **headers: str) -> Any:
    body = {"name": "n"} if method == "POST" else None
    return client.request(method, url + path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_cors_decorates_a_request_with_origin(method: str, path: str) -> None:
    with serving(gated_app(CORSMiddleware, allow_origins=[SITE], allow_methods=["*"])) as (
        running,
        client,
    ):
        for _ in range(3):
            plain = call(client, running.url, method, path)
            assert plain.headers.get_list("vary") == ["Origin"]
            assert "access-control-allow-origin" not in plain.headers
        cors = call(client, running.url, method, path, origin=SITE)
        preflight = client.options(
            running.url + path, headers={"origin": SITE, "access-control-request-method": "PUT"}
        )
    assert cors.status_code == 200
    assert (cors.headers["access-control-allow-origin"], cors.headers["vary"]) == (SITE, "Origin")
    assert (preflight.status_code, preflight.text) == (200, "OK")
    assert "PUT" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/big"), ("GET", "/items/7")])
def test_compression_encodes_a_request_with_accept_encoding(method: str, path: str) -> None:
    with serving(gated_app(CompressionMiddleware, minimum_size=10)) as (running, client):
        for _ in range(3):
            plain = call(client, running.url, method, path)
            assert "content-encoding" not in plain.headers
        encoded = call(client, running.url, method, path, **{"accept-encoding": "gzip"})
    assert (encoded.headers["content-encoding"], encoded.json()) == ("gzip", plain.json())


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_trustedhost_refuses_a_host_after_serving_allowed_ones(method: str, path: str) -> None:
    allowed = ["127.0.0.1", "www.example.com"]
    with serving(gated_app(TrustedHostMiddleware, allowed_hosts=allowed)) as (
        running,
        client,
    ):
        for _ in range(3):  # the Host values allowed are remembered: no call for them
            assert call(client, running.url, method, path).status_code == 200
        refused = call(client, running.url, method, path, host="evil.test")
        to_www = call(client, running.url, method, path, host="example.com")
        again = call(client, running.url, method, path, host="evil.test")
        allowed_again = call(client, running.url, method, path)
    assert (refused.status_code, refused.text) == (400, "Invalid host header")
    assert (to_www.status_code, to_www.headers["location"]) == (
        307,
        f"http://www.example.com{path}",
    )
    assert (again.status_code, allowed_again.status_code) == (400, 200)


def test_sessions_are_saved_when_a_route_touches_them() -> None:
    with serving(gated_app(SessionMiddleware, secret_key="gates")) as (running, client):
        untouched = call(client, running.url, "POST", "/user")
        first = client.get(running.url + "/visits")
        second = client.get(running.url + "/visits")  # the client sends the cookie back
    assert "set-cookie" not in untouched.headers
    assert (first.json(), second.json()) == (1, 2)
    assert second.headers["set-cookie"].startswith("session=")
    assert second.headers["vary"] == "Cookie"


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_https_redirect_sends_plain_http_away_and_lets_https_through(
    method: str, path: str
) -> None:
    forwarded = {"x-forwarded-proto": "https"}
    with serving(gated_app(HTTPSRedirectMiddleware), forwarded_allow_ips="127.0.0.1") as (
        running,
        client,
    ):
        for _ in range(3):
            assert call(client, running.url, method, path, **forwarded).status_code == 200
        insecure = call(client, running.url, method, path)
    assert (insecure.status_code, insecure.headers["location"]) == (
        307,
        f"https://127.0.0.1:{running.port}{path}",
    )


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_request_ids_are_echoed_on_every_request(method: str, path: str) -> None:
    with serving(gated_app(RequestIdMiddleware)) as (running, client):
        made = [call(client, running.url, method, path) for _ in range(2)]
        given = call(client, running.url, method, path, **{"x-request-id": "given-1"})
    ids = [answer.headers["x-request-id"] for answer in made]
    assert len(set(ids)) == 2 and all(len(made_id) == 32 for made_id in ids)
    assert given.headers.get_list("x-request-id") == ["given-1"]


# -- The plan's gates, one by one -------------------------------------------------------------


class Gated:
    """A before and an after that record their calls, behind the gates given."""

    def __init__(self, calls: list[str], **gates: Any) -> None:
        self.calls = calls
        self.gates = gates

    def hooks(self) -> Hooks:
        return Hooks(before=self.before, after=self.after, **self.gates)

    def before(self, native: NativeRequest) -> Outcome | None:
        self.calls.append("before")
        return None

    def after(self, native: NativeRequest, request: Request | None, outcome: Outcome) -> Outcome:
        self.calls.append("after")
        return outcome


def native(method: str = "GET", scheme: str = "http", **headers: str) -> Any:
    fields = [(name.encode(), value.encode()) for name, value in headers.items()]
    return SimpleNamespace(method=method, scheme=scheme, headers=fields)


def run(plan: HookPlan, request: Any, bound: Any = None) -> Outcome:
    assert plan.answer(request) is None
    return plan.leave(request, bound, (200, JSON_HEADERS, b"{}"))


def test_a_method_gate_calls_before_for_its_methods_only() -> None:
    calls: list[str] = []
    plan = HookPlan([Gated(calls, before_methods=frozenset({"OPTIONS"})).hooks()])
    assert (plan.screens_all, plan.screened) == (False, {"OPTIONS"})
    run(plan, native("GET"))
    run(plan, native("OPTIONS"))
    assert calls == ["after", "before", "after"]


def test_a_scheme_gate_calls_before_for_its_schemes_only() -> None:
    calls: list[str] = []
    run(HookPlan([Gated(calls, before_schemes=frozenset({"http"})).hooks()]), native())
    run(HookPlan([Gated(calls, before_schemes=frozenset({"ws"})).hooks()]), native())
    assert calls == ["before", "after", "after"]


def test_a_passing_value_skips_before_and_the_container_is_read_live() -> None:
    calls: list[str] = []
    known: set[bytes] = set()
    plan = HookPlan([Gated(calls, passes=(b"host", known)).hooks()])
    run(plan, native(host="a.test"))
    known.add(b"a.test")
    run(plan, native(host="a.test"))
    run(plan, native(host="b.test"))
    run(plan, native())  # no Host at all: before decides
    assert calls == ["before", "after", "after", "before", "after", "before", "after"]


def test_a_header_gate_calls_after_only_with_the_header_and_vary_is_kept() -> None:
    calls: list[str] = []
    plan = HookPlan([Gated(calls, after_header=b"origin", vary=b"Origin").hooks()])
    skipped = run(plan, native())
    acted = run(plan, native(origin=SITE))
    assert calls == ["before", "before", "after"]
    assert skipped[1] == [*JSON_HEADERS, (b"vary", b"Origin")]
    assert JSON_HEADERS == [(b"content-type", b"application/json")]  # the shared list, as is
    assert acted[1] is JSON_HEADERS  # this after leaves the outcome alone (the real one adds)


def test_an_after_needing_a_request_is_called_only_with_one() -> None:
    calls: list[str] = []
    plan = HookPlan([Gated(calls, after_needs_request=True).hooks()])
    assert not plan.leaves_unbound
    run(plan, native())
    run(plan, native(), bound=object())
    assert calls == ["before", "before", "after"]


def test_an_inner_answer_gets_the_vary_of_the_layers_outside() -> None:
    class Refusing(Gated):
        def before(self, native: NativeRequest) -> Outcome | None:
            return 400, [], b"no"

    calls: list[str] = []
    outer = Gated(calls, after_header=b"origin", vary=b"Origin").hooks()
    plan = HookPlan([outer, Refusing(calls).hooks()])
    assert plan.answer(native()) == (400, [(b"vary", b"Origin")], b"no")
    assert calls == ["before"]  # the outer one's; its after skipped (no Origin)
