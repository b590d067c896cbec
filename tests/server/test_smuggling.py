"""Each desync attempt of the corpus, sent to Squall: rejected, or parsed exactly one way.

Three ways per case (smuggling_corpus.py has the cases and their one allowed outcome):

* in process, whole, on each parser path: the compiled plain-head scan first (a plain head
  without body framing is read by plain.py) and llhttp alone (parser_harness.py's switch);
* over TCP to a real server, the case (and the marker after it, see smuggling_probe.py) in
  one write: what a client sending it at once gets;
* over TCP, cut into 4-byte writes, each read by the server on its own: every head is then
  unfinished at first, so llhttp reads it, and each line end falls in many places.

The CI leg server-source runs this file on the pure-Python source of the hot path too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.parser_harness import run
from tests.server.serving import (
    PieceSender,
    Running,
    connect,
    read_until_closed,
    serve,
)
from tests.server.smuggling_corpus import CASES, Case, Parsed, Request
from tests.server.smuggling_probe import RecordingApp, check_direct, wire_bytes

PIECE = 4  # bytes per write when a case is sent in pieces
BY_NAME = pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])


@pytest.fixture(scope="module")
def recorded() -> Iterator[tuple[Running, RecordingApp]]:
    app = RecordingApp()
    with serve(app) as running:
        yield running, app


def test_the_corpus_has_at_least_80_named_cases() -> None:
    assert len(CASES) >= 80
    assert sum(isinstance(case.outcome, Parsed) for case in CASES) >= 20
    # Most cases are odd from their first head on; enough start plain for the scan to read.
    assert sum(run(case.raw).plain_heads > 0 for case in CASES) >= 20


@BY_NAME
@pytest.mark.parametrize("path", ["plain-scan", "llhttp"])
def test_each_parser_path_reads_the_case_one_way(case: Case, path: str) -> None:
    outcome = run(wire_bytes(case), llhttp_only=path == "llhttp")
    seen = [_as_request(request) for request in outcome.requests]
    stream = b"".join(b"HTTP/1.1 %d x\r\ncontent-length: 0\r\n\r\n" % s for s in outcome.statuses)
    check_direct(case, stream, seen)
    assert outcome.closed


@BY_NAME
def test_sent_whole_over_tcp(recorded: tuple[Running, RecordingApp], case: Case) -> None:
    running, app = recorded
    app.seen.clear()
    with connect(running) as sock:
        sock.sendall(wire_bytes(case))
        stream = read_until_closed(sock)
    check_direct(case, stream, app.seen)


@BY_NAME
def test_sent_in_small_writes_over_tcp(recorded: tuple[Running, RecordingApp], case: Case) -> None:
    running, app = recorded
    app.seen.clear()
    data = wire_bytes(case)
    with connect(running) as sock:
        sender = PieceSender(running, sock)
        # The server may close the connection before the last piece: the case was rejected.
        with contextlib.suppress(ConnectionError):
            sender.send_in_pieces(data, range(PIECE, len(data), PIECE))
        stream = read_until_closed(sock)
    check_direct(case, stream, app.seen)
    assert sender.conn.plain_heads == 0  # no head ever arrived whole: llhttp read them all


def test_a_trailer_field_is_no_header_of_the_next_request() -> None:
    # Found by this corpus: llhttp reports trailer fields through on_header, and the
    # connection used to add them to the next request's head (a trailer "Host" refused it,
    # an "X-Forwarded-For" or "Authorization" would have reached its app).
    data = b"".join(
        (
            b"POST / HTTP/1.1\r\nHost: example\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"5\r\nhello\r\n0\r\nAuthorization: Bearer stolen\r\n\r\n",
            b"GET /next HTTP/1.1\r\nHost: example\r\n\r\n",
        )
    )
    for llhttp_only in (False, True):
        first, second = run(data, llhttp_only=llhttp_only).requests
        assert first[3] == ((b"host", b"example"), (b"transfer-encoding", b"chunked"))
        assert second[1] == (b"/next", b"")
        assert second[3] == ((b"host", b"example"),)


def _as_request(frozen: tuple[Any, ...]) -> Request:
    """A request as the harness recorded it (``Seen.frozen()``), in the corpus's terms."""
    method, target, _version, _headers, body, _end = frozen
    raw_path, query = target
    return Request(method, raw_path + (b"?" + query if query else b""), body)
