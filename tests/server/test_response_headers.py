"""Response headers the app sends: checked against RFC 9110 before they reach the wire."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from squall.server.http11.wire import HEADER_CACHE, header_entry
from tests.server.serving import Running, captured_errors, connect, exchange, read_response, serve

INVALID = {
    "NUL in the value": (b"x-note", b"a\x00b"),
    "control byte in the value": (b"x-note", b"a\x01b"),
    "DEL in the value": (b"x-note", b"a\x7fb"),
    "CR LF in the value": (b"x-note", b"a\r\nx-injected: 1"),
    "bare LF in the value": (b"x-note", b"a\nb"),
    "space in the name": (b"x note", b"v"),
    "colon in the name": (b"x:note", b"v"),
    "separator in the name": (b"x(note)", b"v"),
    "tab in the name": (b"x\tnote", b"v"),
    "NUL in the name": (b"x-note\x00", b"v"),
    "non-ASCII name": (b"x-n\xc3\xb6te", b"v"),
    "empty name": (b"", b"v"),
}
VALID = {
    "tab and obs-text in the value": (b"x-note", b"a\tb \xc3\xa9"),
    "every tchar in the name": (b"x!#$%&'*+-.^_`|~09AZaz", b"v"),
    "empty value": (b"x-empty", b""),
}
CASES: list[tuple[bytes, bytes]] = [*INVALID.values(), *VALID.values()]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Sends the header CASES[n] for /n (as a list for /n/list), else none."""
    if scope["type"] != "http":
        return
    parts = scope["path"].strip("/").split("/")
    headers: list[Any] = []
    if parts[0]:
        name, value = CASES[int(parts[0])]
        headers = [[name, value] if parts[1:] == ["list"] else (name, value)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"sent"})


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with serve(app) as running:
        yield running


def get(sock: Any, path: str) -> Any:
    sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
    return read_response(sock)


@pytest.mark.parametrize("form", ["", "/list"])
@pytest.mark.parametrize("index", range(len(INVALID)), ids=list(INVALID))
def test_an_invalid_header_is_a_500_naming_it(server: Running, index: int, form: str) -> None:
    name = CASES[index][0]
    with captured_errors() as errors, connect(server) as sock:
        for _ in range(2):  # the second time too: an invalid header is never cached
            response = get(sock, f"/{index}{form}")
            assert (response.status, response.body) == (500, b"Internal Server Error\n")
            assert not any(key.startswith("x-injected") for key in response.headers)
        assert get(sock, "/").status == 200  # the connection lives on
    # One line naming it per request, no traceback: the app's mistake (squall/server/faults.py).
    assert len(errors.records) == 2 and not errors.tracebacks(), errors.messages()
    assert f"invalid response header name {name!r}" in errors.messages() or (
        f"invalid response header {name!r}: control byte" in errors.messages()
    )


@pytest.mark.parametrize("index", range(len(INVALID), len(CASES)), ids=list(VALID))
def test_a_valid_header_goes_out_as_it_is(server: Running, index: int) -> None:
    name, value = CASES[index]
    raw = exchange(server, b"GET /%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % index)
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\n" + name + b": " + value + b"\r\n" in raw.partition(b"\r\n\r\n")[0] + b"\r\n"


SECRET = b"session=3f9c2a7be1d04c55; HttpOnly"


async def cookie_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = [
        (b"content-type", b"text/plain"),
        (b"set-cookie", SECRET),
        (b"Set-Cookie", b"theme=dark"),
        (b"authorization", b"Bearer 0a1b2c"),
        (b"etag", b'"unique-per-body"'),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"sent"})


def test_only_commonly_repeating_headers_are_cached() -> None:
    HEADER_CACHE.clear()
    with serve(cookie_app) as running, connect(running) as sock:
        for _ in range(3):
            response = get(sock, "/")
            cookies = [value for name, value in response.header_list if name == "set-cookie"]
            assert cookies == [SECRET.decode(), "theme=dark"]
            assert response.headers["etag"] == '"unique-per-body"'
    assert HEADER_CACHE[(b"content-type", b"text/plain")] == b"content-type: text/plain\r\n"
    assert list(HEADER_CACHE) == [(b"content-type", b"text/plain")]
    assert all(b"session=" not in entry for entry in HEADER_CACHE.values() if type(entry) is bytes)


@pytest.mark.parametrize("name", [b"set-cookie", b"Set-Cookie", b"authorization", b"location"])
def test_per_request_values_are_never_stored(name: bytes) -> None:
    HEADER_CACHE.clear()
    assert header_entry((name, SECRET)) == name + b": " + SECRET + b"\r\n"
    assert not HEADER_CACHE
