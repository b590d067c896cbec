"""SessionMiddleware in a Squall App, with a real httpx client and its cookie jar, on Squall's
server (native path) and under uvicorn: when the cookie is written, cleared or left alone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from squall import App, Request
from squall.middleware import SessionMiddleware
from squall.testing import TestClient
from tests.compat.conftest import ClientFor
from tests.server.serving import captured_errors

SECRET = "correct horse battery staple"
ServeApp = Callable[[Any], Any]


def session_app(secret_key: Any = SECRET, **options: Any) -> App:
    app = App()

    @app.get("/count")
    async def count(request: Request) -> int:
        request.session["n"] = request.session.get("n", 0) + 1
        return int(request.session["n"])

    @app.get("/read")
    async def read(request: Request) -> dict[str, Any]:
        return dict(request.session)

    @app.post("/put")
    async def put(request: Request, values: dict[str, Any]) -> None:
        request.session.update(values)

    @app.get("/cart/{item}")
    async def add_to_cart(request: Request, item: str) -> list[str]:
        request.session.setdefault("cart", [])
        request.session["cart"].append(item)  # a change inside a nested value
        return list(request.session["cart"])

    @app.get("/logout")
    async def logout(request: Request) -> None:
        request.session.clear()

    @app.get("/untouched")
    async def untouched() -> str:
        return "no session here"

    app.add_middleware(SessionMiddleware, secret_key=secret_key, **options)
    return app


def cookie_of(answer: httpx.Response) -> str:
    """The session cookie's value in the answer's Set-Cookie."""
    (header,) = answer.headers.get_list("set-cookie")
    return header.split(";")[0].removeprefix("session=")


def test_the_session_lives_in_the_cookie_jar_between_requests(serve_app: ServeApp) -> None:
    with serve_app(session_app()) as url, httpx.Client(base_url=url) as client:
        answers = [client.get("/count") for _ in range(3)]
        assert [answer.json() for answer in answers] == [1, 2, 3]
        header = answers[0].headers["set-cookie"]
        assert header.startswith("session=")
        assert "; Max-Age=1209600; Path=/; HttpOnly; SameSite=Lax" in header
        assert answers[0].headers["vary"] == "Cookie"
        assert client.get("/read").json() == {"n": 3}


def test_a_session_only_read_is_not_sent_again(serve_app: ServeApp) -> None:
    with serve_app(session_app()) as url, httpx.Client(base_url=url) as client:
        client.post("/put", json={"user": "alice"})
        answer = client.get("/read")
        assert answer.json() == {"user": "alice"}
        assert "set-cookie" not in answer.headers
        assert answer.headers["vary"] == "Cookie"  # the answer depends on the cookie


def test_a_route_that_never_touches_the_session_leaves_everything_alone(
    serve_app: ServeApp,
) -> None:
    with serve_app(session_app()) as url, httpx.Client(base_url=url) as client:
        client.get("/count")
        for cookie in (client.cookies["session"], "junk.1.junk"):  # valid, then invalid
            answer = client.get("/untouched", headers={"cookie": f"session={cookie}"})
            assert answer.text == '"no session here"'
            assert "set-cookie" not in answer.headers  # lazy: the cookie was never read
            assert "vary" not in answer.headers


def test_a_change_inside_a_nested_value_is_saved(serve_app: ServeApp) -> None:
    with serve_app(session_app()) as url, httpx.Client(base_url=url) as client:
        assert client.get("/cart/apple").json() == ["apple"]
        assert client.get("/cart/pear").json() == ["apple", "pear"]
        assert client.get("/read").json() == {"cart": ["apple", "pear"]}


def test_an_emptied_session_expires_the_cookie(serve_app: ServeApp) -> None:
    with serve_app(session_app()) as url, httpx.Client(base_url=url) as client:
        client.get("/count")
        answer = client.get("/logout")
        assert "Max-Age=0" in answer.headers["set-cookie"]
        assert "session" not in client.cookies  # the jar dropped it
        assert "set-cookie" not in client.get("/logout").headers  # nothing left to clear
        assert client.get("/count").json() == 1


@pytest.mark.parametrize("part", [0, 1, 2], ids=["payload", "timestamp", "signature"])
def test_a_tampered_cookie_is_an_empty_session_and_is_cleared(
    serve_app: ServeApp, part: int
) -> None:
    with serve_app(session_app()) as url, httpx.Client(base_url=url) as client:
        client.post("/put", json={"role": "user"})
        pieces = client.cookies["session"].split(".")
        if part == 1:
            pieces[1] = str(int(pieces[1]) - 1)  # an earlier time: a longer life
        else:
            pieces[part] = pieces[part][:-1] + ("A" if pieces[part][-1] != "A" else "B")
        client.cookies.set("session", ".".join(pieces))
        answer = client.get("/read")
        assert (answer.status_code, answer.json()) == (200, {})
        assert "Max-Age=0" in answer.headers["set-cookie"]


def test_secret_rotation_keeps_old_cookies_and_re_signs_them(serve_app: ServeApp) -> None:
    old, rotated, new = session_app("old"), session_app(["new", "old"]), session_app("new")
    with serve_app(old) as old_url, serve_app(rotated) as rotated_url, serve_app(new) as new_url:
        first = httpx.get(old_url + "/count")
        before = {"session": cookie_of(first)}
        assert httpx.get(new_url + "/read", cookies=before).json() == {}  # new key alone: no
        assert httpx.get(rotated_url + "/read", cookies=before).json() == {"n": 1}
        second = httpx.get(rotated_url + "/count", cookies=before)
        after = {"session": cookie_of(second)}
        assert httpx.get(new_url + "/read", cookies=after).json() == {"n": 2}
        assert httpx.get(old_url + "/read", cookies=after).json() == {}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_an_expired_cookie_is_an_empty_session(client_for: ClientFor) -> None:
    clock = Clock()
    client = client_for(session_app(max_age=3600, clock=clock))
    client.get("/count")
    clock.now += 3600
    assert client.get("/count").json() == 2  # an hour old: still valid, and re-stamped
    clock.now += 3601
    answer = client.get("/read")
    assert answer.json() == {}
    assert "Max-Age=0" in answer.headers["set-cookie"]


def test_a_cookie_over_4_kib_is_sent_with_a_warning(client_for: ClientFor) -> None:
    client = client_for(session_app())
    with captured_errors(logging.WARNING) as records:
        answer = client.post("/put", json={"blob": "x" * 5000})
    assert len(answer.headers["set-cookie"]) > 5000
    assert "browsers drop cookies over 4096 bytes" in records.messages()
    with captured_errors(logging.WARNING) as records:
        client.post("/put", json={"blob": "small"})
    assert records.records == []


def test_cookie_options(client_for: ClientFor) -> None:
    app = session_app(
        session_cookie="sid",
        max_age=None,
        path="/app",
        same_site="strict",
        https_only=True,
        domain="example.com",
        partitioned=True,
    )
    header = client_for(app).get("/count").headers["set-cookie"]
    assert header.startswith("sid=")
    assert header.endswith(
        "; Path=/app; HttpOnly; SameSite=Strict; Secure; Domain=example.com; Partitioned"
    )
    assert "Max-Age" not in header  # a browser-session cookie


@pytest.mark.parametrize(
    "options",
    [
        {"same_site": "sometimes"},
        {"path": "/; Domain=evil"},
        {"domain": "a\r\nb"},
        {"secret_key": ""},
        {"session_cookie": "a=b"},
        {"session_cookie": ""},
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        session_app(**options)


def test_without_the_middleware_request_session_says_what_is_missing() -> None:
    app = App()

    @app.get("/")
    async def index(request: Request) -> Any:
        return request.session

    with TestClient(app) as client, pytest.raises(AssertionError, match="SessionMiddleware"):
        client.get("/")


def test_the_app_keeps_the_native_path() -> None:
    assert session_app().__squall_native__() is not None
