"""Same requests, same answers: Squall's CORSMiddleware (in a Squall App on Squall's server,
and standalone around a Starlette app under uvicorn) against Starlette's own around the same
Starlette app under uvicorn, for several configurations and a set of simple and preflight
requests.  Compared: the status, the body of answers the middleware gives, every
``Access-Control-*`` header and the ``Vary`` list."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.responses import PlainTextResponse as StarlettePlainText
from starlette.routing import Route

from squall import App, PlainTextResponse
from squall.middleware import CORSMiddleware
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn

SITE = "https://site.example"
OTHER = "https://other.example"
SUB = "https://a.example.org"

CONFIGS: dict[str, dict[str, Any]] = {
    "listed": {
        "allow_origins": [SITE],
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["X-Token"],
        "expose_headers": ["X-Total"],
    },
    "any": {"allow_origins": ["*"]},
    "any-credentials": {
        "allow_origins": ["*"],
        "allow_credentials": True,
        "allow_headers": ["*"],
        "allow_methods": ["*"],
    },
    "regex": {
        "allow_origin_regex": r"https://[a-z]+\.example\.org",
        "allow_private_network": True,
        "allow_credentials": True,
        "max_age": 60,
    },
}


def _preflight(origin: str, method: str, headers: str | None = None) -> dict[str, str]:
    asked = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        asked["access-control-request-headers"] = headers
    return asked


REQUESTS: dict[str, tuple[str, dict[str, str]]] = {
    "no origin": ("GET", {}),
    "site": ("GET", {"origin": SITE}),
    "other": ("GET", {"origin": OTHER}),
    "subdomain": ("GET", {"origin": SUB}),
    "post with a cookie": ("POST", {"origin": SITE, "cookie": "a=1"}),
    "options, no preflight": ("OPTIONS", {"origin": SITE}),
    "preflight": ("OPTIONS", _preflight(SITE, "GET")),
    "preflight with headers": ("OPTIONS", _preflight(SITE, "POST", "Content-Type, X-Token")),
    "preflight refused": ("OPTIONS", _preflight(OTHER, "PUT", "x-other")),
    "preflight, subdomain": ("OPTIONS", _preflight(SUB, "DELETE", "accept")),
    "preflight, private network": (
        "OPTIONS",
        {**_preflight(SUB, "GET"), "access-control-request-private-network": "true"},
    ),
}


def starlette_inner() -> Starlette:
    async def hello(request: Any) -> StarlettePlainText:
        return StarlettePlainText("hello")

    return Starlette(routes=[Route("/", hello, methods=["GET", "POST"])])


def squall_app(options: dict[str, Any]) -> App:
    app = App()

    @app.api_route("/", methods=["GET", "POST"])
    async def hello() -> PlainTextResponse:
        return PlainTextResponse("hello")

    app.add_middleware(CORSMiddleware, **options)
    return app


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, dict[str, str]]]:
    """config -> {"starlette": url, "squall-native": url, "squall-asgi": url}."""
    with contextlib.ExitStack() as stack:
        urls: dict[str, dict[str, str]] = {}
        for name, options in CONFIGS.items():
            theirs = StarletteCORS(starlette_inner(), **options)
            ours = CORSMiddleware(starlette_inner(), **options)
            urls[name] = {
                "starlette": stack.enter_context(serve_with_uvicorn(theirs)),
                "squall-native": stack.enter_context(serve_with_squall(squall_app(options))),
                "squall-asgi": stack.enter_context(serve_with_uvicorn(ours)),
            }
        yield urls


def cors_view(response: httpx.Response) -> dict[str, Any]:
    """What a browser's CORS check and a cache read (header names are case-insensitive, so
    the allowed header names are compared as a lower-cased set)."""
    view: dict[str, Any] = {
        name: value for name, value in response.headers.items() if name.startswith("access-")
    }
    if "access-control-allow-headers" in view:
        names = view["access-control-allow-headers"].lower().split(",")
        view["access-control-allow-headers"] = {name.strip() for name in names}
    view["vary"] = [token.strip().lower() for token in response.headers.get("vary", "").split(",")]
    view["status"] = response.status_code
    if response.request.method == "OPTIONS" and response.status_code in (200, 400):
        view["text"] = response.text
    return view


def without_ungranted_extras(view: dict[str, Any]) -> dict[str, Any]:
    """Starlette also sends Allow-Credentials and Expose-Headers to an origin it does not
    allow (which a browser ignores without Allow-Origin); Squall sends them only with it."""
    if "access-control-allow-origin" in view or "text" in view:
        return view
    extras = ("access-control-allow-credentials", "access-control-expose-headers")
    return {name: value for name, value in view.items() if name not in extras}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_the_same_answers_as_starlette(servers: dict[str, dict[str, str]], config: str) -> None:
    urls = servers[config]
    with httpx.Client() as client:
        views_by_request = {
            label: {
                side: cors_view(client.request(method, url + "/", headers=headers))
                for side, url in urls.items()
            }
            for label, (method, headers) in REQUESTS.items()
        }
    for label, views in views_by_request.items():
        expected = without_ungranted_extras(views.pop("starlette"))
        for side, view in views.items():
            assert view == expected, f"{config}, {label}: {side}"
