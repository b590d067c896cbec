"""Failures while a request is read: the client's (4xx), ours (500, logged), CONNECT (501)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httptools
import pytest

import squall.server.exchange as exchange_module
from squall.server.http11.errors import Rejected, parse_failure
from tests.server import asgi_apps
from tests.server.serving import (
    LogRecords,
    Running,
    captured_errors,
    connect,
    exchange,
    read_response,
    read_until_closed,
    serve,
)


@pytest.fixture
def errors() -> Iterator[LogRecords]:
    with captured_errors() as records:
        yield records


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with serve(asgi_apps.echo) as running:
        yield running


def status_and_body(raw: bytes) -> tuple[int, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower()
    return int(head.split(b" ", 2)[1]), body


def buggy(*args: Any, **kwargs: Any) -> Any:
    raise ZeroDivisionError("a bug in the server")


def test_connect_is_not_implemented_and_closes(server: Running, errors: LogRecords) -> None:
    raw = exchange(
        server,
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # tunnel bytes for a proxy: never a request here
    )
    assert status_and_body(raw) == (501, b"CONNECT is not supported\n")
    assert raw.count(b"HTTP/1.1 ") == 1
    assert not errors.records


def test_connect_after_a_pipelined_request_comes_after_its_answer(server: Running) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
            b"CONNECT example.com:443 HTTP/1.0\r\n\r\n"
        )
        assert read_response(sock).body == b"one"
        raw = read_until_closed(sock)
    assert status_and_body(raw)[0] == 501


def test_an_unparseable_absolute_target_is_the_clients_error(server: Running) -> None:
    raw = exchange(server, b"GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_and_body(raw) == (400, b"Invalid request target\n")


def test_a_bug_in_a_parser_callback_is_a_logged_500(
    server: Running, errors: LogRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(httptools, "parse_url", buggy)  # absolute-form targets go through it
    raw = exchange(server, b"GET http://x/p HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_and_body(raw) == (500, b"Internal Server Error\n")
    assert "ZeroDivisionError: a bug in the server" in errors.tracebacks()
    monkeypatch.undo()
    assert b"200 OK" in exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


PLAIN = b"GET /a%20b HTTP/1.1\r\nHost: x\r\n\r\n"
LLHTTP = b"POST /a%20b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"


@pytest.mark.parametrize("raw", [PLAIN, LLHTTP], ids=["plain head", "llhttp"])
def test_a_bug_while_accepting_a_request_is_a_logged_500(
    server: Running, errors: LogRecords, monkeypatch: pytest.MonkeyPatch, raw: bytes
) -> None:
    monkeypatch.setattr(exchange_module, "unquote", buggy)  # a %-escape in the path calls it
    assert status_and_body(exchange(server, raw)) == (500, b"Internal Server Error\n")
    assert "ZeroDivisionError: a bug in the server" in errors.tracebacks()


def test_a_bug_after_pipelined_requests_comes_after_their_answers(
    server: Running, errors: LogRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange_module, "unquote", buggy)
    with connect(server) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none" + PLAIN)
        assert read_response(sock).body == b"one"
        raw = read_until_closed(sock)
    assert status_and_body(raw) == (500, b"Internal Server Error\n")


def callback_error(cause: BaseException) -> httptools.HttpParserCallbackError:
    """What httptools raises when a callback raised ``cause``."""
    error = httptools.HttpParserCallbackError("User callback error")
    error.__context__ = cause
    return error


def test_a_rejection_keeps_its_status() -> None:
    assert parse_failure(callback_error(Rejected(414, "Request target too long"))) == (
        414,
        "Request target too long",
    )


def test_a_client_parse_error_keeps_its_reason() -> None:
    assert parse_failure(httptools.HttpParserError("Invalid method")) == (
        400,
        "Invalid HTTP request: Invalid method",
    )


@pytest.mark.parametrize("cause", [KeyboardInterrupt(), SystemExit(3)])
def test_a_base_exception_in_a_callback_propagates(cause: BaseException) -> None:
    with pytest.raises(type(cause)):
        parse_failure(callback_error(cause))
