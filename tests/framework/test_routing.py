"""squall.routing: static and parametrized paths, converters, 404/405, trailing slashes."""

from __future__ import annotations

import uuid

import pytest

from squall.routing import Matcher, RouteError, parse_template


def routes() -> Matcher[str]:
    matcher: Matcher[str] = Matcher()
    matcher.add("/", ["GET"], "home")
    matcher.add("/users", ["GET"], "list users")
    matcher.add("/users", ["POST"], "create user")
    matcher.add("/users/me", ["GET"], "me")
    matcher.add("/users/{user_id:int}", ["GET", "PUT"], "user by id")
    matcher.add("/users/{name}", ["GET"], "user by name")
    matcher.add("/items/{item_id:uuid}/price/{amount:float}", ["GET"], "price")
    matcher.add("/files/{rest:path}", ["GET"], "file")
    matcher.add("/docs/", ["GET"], "docs")
    return matcher


def test_static_paths_match_by_method() -> None:
    matcher = routes()
    assert matcher.match("GET", "/users").target == "list users"
    assert matcher.match("POST", "/users").target == "create user"
    assert matcher.match("GET", "/").target == "home"


def test_static_beats_parameters_and_stricter_converters_win() -> None:
    matcher = routes()
    assert matcher.match("GET", "/users/me").target == "me"
    by_id = matcher.match("GET", "/users/42")
    assert (by_id.target, by_id.params) == ("user by id", {"user_id": 42})
    by_name = matcher.match("GET", "/users/alice")
    assert (by_name.target, by_name.params) == ("user by name", {"name": "alice"})


def test_converters_convert() -> None:
    matcher = routes()
    item = uuid.uuid4()
    found = matcher.match("GET", f"/items/{item}/price/9.5")
    assert found.params == {"item_id": item, "amount": 9.5}
    assert not matcher.match("GET", "/items/not-a-uuid/price/9.5").found
    assert not matcher.match("GET", f"/items/{item}/price/-1").found


def test_path_parameters_take_the_rest() -> None:
    found = routes().match("GET", "/files/a/b/c.txt")
    assert (found.target, found.params) == ("file", {"rest": "a/b/c.txt"})
    assert not routes().match("GET", "/files/").found


def test_wrong_method_gives_the_allowed_ones() -> None:
    matcher = routes()
    assert matcher.match("DELETE", "/users").allow == ["GET", "HEAD", "POST"]
    assert matcher.match("DELETE", "/users/7").allow == ["GET", "HEAD", "PUT"]


def test_get_routes_answer_head() -> None:
    assert routes().match("HEAD", "/users/me").target == "me"


def test_unknown_paths_are_not_found() -> None:
    matcher = routes()
    for path in ("/nope", "/users/1/2", "", "/items/x"):
        found = matcher.match("GET", path)
        assert not found.found and found.allow is None and found.redirect is None


def test_trailing_slash_redirects_to_the_form_that_exists() -> None:
    matcher = routes()
    assert matcher.match("GET", "/users/").redirect == "/users"
    assert matcher.match("GET", "/docs").redirect == "/docs/"
    assert matcher.match("GET", "/users/7/").redirect == "/users/7"


def test_trailing_slash_redirects_can_be_turned_off() -> None:
    matcher: Matcher[str] = Matcher(redirect_slashes=False)
    matcher.add("/users", ["GET"], "users")
    assert matcher.match("GET", "/users/").redirect is None


@pytest.mark.parametrize(
    "template",
    ["users", "/a/{b", "/a/x{b}", "/a/{b:bogus}", "/a/{p:path}/c", "/a/{b}/{b}"],
)
def test_malformed_templates_are_refused(template: str) -> None:
    with pytest.raises(RouteError):
        parse_template(template)


def test_clashing_routes_are_refused() -> None:
    matcher = routes()
    with pytest.raises(RouteError):
        matcher.add("/users", ["GET"], "again")
    with pytest.raises(RouteError):
        matcher.add("/users/{other:int}", ["DELETE"], "clash")


def test_lookup_stays_right_with_a_thousand_routes() -> None:
    matcher: Matcher[int] = Matcher()
    for i in range(1000):
        matcher.add(f"/r{i}/{{x:int}}", ["GET"], i)
        matcher.add(f"/s{i}", ["GET"], -i)
    assert matcher.match("GET", "/r500/3").target == 500
    assert matcher.match("GET", "/r500/3").params == {"x": 3}
    assert matcher.match("GET", "/s999").target == -999
