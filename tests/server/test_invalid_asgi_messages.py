"""Invalid ASGI messages from a raw app: one log line naming the mistake, and a clean answer.

Before the response starts (or while its head is held back) the client gets a 500 and its
connection lives on; once bytes of the response are out, the connection is closed with the
body cut short (never a fake complete response); after the response completed, the client
already has it and the connection lives on.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.server import fault_apps
from tests.server.serving import (
    LogRecords,
    Running,
    captured_errors,
    connect,
    exchange,
    read_response,
    serve,
)
from tests.server.test_app_faults import assert_serves_on, get

# What the log line must name, per fault.
NAMED = {
    "unknown-type": "'http.response.bogus'",
    "missing-status": "'status'",
    "status-not-int": "status '200'",
    "status-out-of-range": "status 42",
    "headers-not-a-list": "headers",
    "header-str-pair": "header",
    "header-one-item": "header",
    "header-bad-name": "header name",
    "header-bad-value": "control byte",
    "body-not-bytes": "body",
    "body-before-start": "before the body",
    "start-twice": "already started",
    "longer-than-content-length": "longer than its content-length",
    "streamed-longer-than-content-length": "longer than its content-length",
    "more-after-content-length": "longer than its content-length",
    "streamed-body-not-bytes": "body",
    "body-after-complete": "already completed",
    "start-after-complete": "already started",
}

# What the client has of the body when the connection closes: never a byte past the announced
# length, and never a chunked body's end.
BODY_SEEN = {
    "streamed-longer-than-content-length": b"abc",  # of 4: cut short
    "more-after-content-length": b"abc",  # of 3: whole, and nothing after it
    "streamed-body-not-bytes": b"1\r\na\r\n",  # chunked, with no last chunk
}


@pytest.fixture
def running() -> Iterator[Running]:
    with serve(fault_apps.faulty) as running:
        yield running


def assert_one_line_naming(logs: LogRecords, fault: str) -> None:
    assert len(logs.records) == 1, logs.messages()
    record = logs.records[0]
    message = record.getMessage()
    assert record.levelno == logging.ERROR
    assert message.startswith(f"invalid ASGI message from the app (GET /{fault}): "), message
    assert NAMED[fault] in message, message
    assert record.exc_info is None  # the app's mistake, named: no traceback


def test_every_fault_is_named() -> None:
    assert set(NAMED) == set(fault_apps.INVALID)


@pytest.mark.parametrize("fault", sorted(fault_apps.INVALID_BEFORE_START))
def test_before_the_response_starts_it_is_a_500_and_the_connection_lives_on(
    running: Running, fault: str
) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get(f"/{fault}"))
        response = read_response(sock)
        assert (response.status, response.body) == (500, b"Internal Server Error\n")
        assert b"injected" not in response.body and "x-injected" not in response.headers
        assert_serves_on(running, sock)
    assert_one_line_naming(logs, fault)


@pytest.mark.parametrize("fault", sorted(fault_apps.INVALID_AFTER_START))
def test_once_the_response_is_out_the_connection_closes_mid_body(
    running: Running, fault: str
) -> None:
    with captured_errors() as logs:
        raw = exchange(running, get(f"/{fault}"))
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert rest == BODY_SEEN[fault]
    assert_one_line_naming(logs, fault)
    assert_serves_on(running)


@pytest.mark.parametrize("fault", sorted(fault_apps.INVALID_AFTER_COMPLETE))
def test_after_the_response_completed_the_client_has_it_and_the_connection_lives_on(
    running: Running, fault: str
) -> None:
    with captured_errors() as logs, connect(running) as sock:
        sock.sendall(get(f"/{fault}"))
        response = read_response(sock)
        assert (response.status, response.body) == (200, b"done")
        assert_serves_on(running, sock)
    assert_one_line_naming(logs, fault)
