"""RFC 9112 3 (request line) and RFC 9110 7.2 (Host), on both parser paths: see
docs/conformance.md for the table these tests stand behind."""

from __future__ import annotations

import pytest

from tests.server import asgi_apps
from tests.server.conformance import WAYS, refused, scope_of
from tests.server.serving import Running, serve


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with serve(asgi_apps.scope_json) as running:
        yield running


def get(target: bytes, host: bytes | None = b"x", version: bytes = b"HTTP/1.1") -> bytes:
    fields = b"" if host is None else b"Host: " + host + b"\r\n"
    return b"GET " + target + b" " + version + b"\r\n" + fields + b"\r\n"


# -- Request-line grammar (RFC 9112 3) ----------------------------------------------------

BAD_LINES = {
    "tab as separator": b"GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n",
    "space in the target": b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
    "no target": b"GET HTTP/1.1\r\nHost: x\r\n\r\n",
    "lowercase protocol name": b"GET / http/1.1\r\nHost: x\r\n\r\n",
    "two-digit minor version": b"GET / HTTP/1.10\r\nHost: x\r\n\r\n",
    "leading space": b" GET / HTTP/1.1\r\nHost: x\r\n\r\n",
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("raw", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_malformed_request_line_is_refused_with_400(
    server: Running, raw: bytes, way: str
) -> None:
    assert refused(server, raw, way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_runs_of_spaces_between_the_parts_are_read_as_one(server: Running, way: str) -> None:
    # RFC 9112 3 lets a recipient parse on whitespace-delimited words (MAY): llhttp does.
    scope = scope_of(server, b"GET  /a  HTTP/1.1\r\nHost: x\r\n\r\n", way)
    assert (scope["method"], scope["path"]) == ("GET", "/a")


# -- Request-target forms (RFC 9112 3.2) ------------------------------------------------


@pytest.mark.parametrize("way", WAYS)
def test_the_absolute_form_gives_path_query_and_its_authority_wins_over_host(
    server: Running, way: str
) -> None:
    scope = scope_of(server, get(b"http://example.com:8080/a/b?q=1", host=b"other"), way)
    assert (scope["path"], scope["query_string"]) == ("/a/b", "q=1")
    assert ["host", "example.com:8080"] in scope["headers"]
    assert ["host", "other"] not in scope["headers"]


BAD_ABSOLUTE = {
    "userinfo": b"http://user@example.com/",
    "empty authority": b"http:///a",
    "invalid host": b"http://exa<mple.com/",
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("target", BAD_ABSOLUTE.values(), ids=BAD_ABSOLUTE.keys())
def test_an_absolute_form_with_a_bad_authority_is_refused(
    server: Running, target: bytes, way: str
) -> None:
    assert refused(server, get(target), way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_the_absolute_form_still_needs_a_host_header_in_http_1_1(server: Running, way: str) -> None:
    assert refused(server, get(b"http://example.com/", host=None), way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_the_authority_form_is_refused_for_other_methods_than_connect(
    server: Running, way: str
) -> None:
    assert refused(server, get(b"example.com:443"), way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_connect_is_not_implemented(server: Running, way: str) -> None:
    raw = b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
    assert refused(server, raw, way) == 501


@pytest.mark.parametrize("way", WAYS)
def test_the_asterisk_form_reaches_the_app_with_options(server: Running, way: str) -> None:
    scope = scope_of(server, b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", way)
    assert (scope["method"], scope["path"], scope["raw_path"]) == ("OPTIONS", "*", "*")


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("method", [b"GET", b"POST", b"DELETE"])
def test_the_asterisk_form_is_refused_with_other_methods(
    server: Running, method: bytes, way: str
) -> None:
    raw = method + b" * HTTP/1.1\r\nHost: x\r\n\r\n"
    assert refused(server, raw, way) == 400


# -- Methods (RFC 9110 9.1) ----------------------------------------------------------------


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("method", ["PROPFIND", "PURGE", "REPORT", "TRACE", "QUERY"])
def test_a_registered_method_the_server_has_no_rule_for_reaches_the_app(
    server: Running, method: str, way: str
) -> None:
    scope = scope_of(server, method.encode() + b" / HTTP/1.1\r\nHost: x\r\n\r\n", way)
    assert scope["method"] == method


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("method", [b"FROB", b"get", b"X-CUSTOM"])
def test_a_method_token_llhttp_does_not_know_is_refused_with_400(
    server: Running, method: bytes, way: str
) -> None:
    # A deviation (docs/conformance.md): llhttp's method table is compiled in.
    assert refused(server, method + b" / HTTP/1.1\r\nHost: x\r\n\r\n", way) == 400


# -- HTTP version (RFC 9112 2.3, RFC 9110 6.2) ---------------------------------------------


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_http_1_0_and_1_1_are_served(server: Running, version: str, way: str) -> None:
    scope = scope_of(server, get(b"/", version=b"HTTP/" + version.encode()), way)
    assert scope["http_version"] == version


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("version", [b"HTTP/0.9", b"HTTP/2.0", b"HTTP/3.0", b"HTTP/1.2"])
def test_other_versions_are_refused_with_505(server: Running, version: bytes, way: str) -> None:
    # HTTP/1.2 is a deviation (RFC 9112 2.3 would read it as 1.1): llhttp refuses it.
    assert refused(server, get(b"/", version=version), way) == 505


# -- Host (RFC 9112 3.2, RFC 9110 7.2) -------------------------------------------------------

VALID_HOSTS = [
    b"",
    b"example.com",
    b"example.com:8080",
    b"127.0.0.1:80",
    b"[::1]:8000",
    b"xn--caf-dma.example",
    b"a%20b",
    b"host:",
]
INVALID_HOSTS = [b"a b", b"a/b", b"user@a", b"a:http", b"[::1", b"a:80:90", b"exa\xe9mple"]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("host", VALID_HOSTS)
def test_a_valid_host_is_served(server: Running, host: bytes, way: str) -> None:
    scope = scope_of(server, get(b"/", host=host), way)
    assert ["host", host.decode("latin-1")] in scope["headers"]


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("host", INVALID_HOSTS)
def test_an_invalid_host_is_refused_with_400(server: Running, host: bytes, way: str) -> None:
    assert refused(server, get(b"/", host=host), way) == 400


@pytest.mark.parametrize("way", WAYS)
def test_a_missing_host_is_refused_in_1_1_and_allowed_in_1_0(server: Running, way: str) -> None:
    assert refused(server, get(b"/", host=None), way) == 400
    assert scope_of(server, get(b"/", host=None, version=b"HTTP/1.0"), way)["http_version"] == "1.0"


@pytest.mark.parametrize("way", WAYS)
def test_two_host_lines_are_refused_even_when_equal(server: Running, way: str) -> None:
    raw = b"GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"
    assert refused(server, raw, way) == 400
