"""The validator's checks against a server that answers right, then wrong on purpose.

Every check of validate.sh that the validator runs must PASS on a right answer and FAIL on a
wrong one: ``wrong_server.py`` is a small HTTP/1.1 + WebSocket server of HttpArena's endpoints
on a real socket, with named faults (text/html for baseline, a duplicated header, a cached POST
answer, a request parsed from its first read only, an echoed Content-Length, a missing X-Cache,
...).  Requests go out through the real curl binary and raw sockets, as in a real validation.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest

from bench.httparena import checks_db, checks_h1, checks_h2, ws_checks
from bench.httparena.checks import (
    Recorder,
    Run,
    Target,
    header_matches,
    judge_body,
    judge_header,
    last_head,
)
from bench.httparena.checks_db import Aborted
from bench.httparena.validate import run_blocks
from bench.static_files import FILES, content
from tests.deploy.httparena.wrong_server import WrongServer, wrong_server

if shutil.which("curl") is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("curl is missing: .ci/run installs it")
    pytest.skip("the validator drives the curl binary", allow_module_level=True)

Block = Callable[[Run], None]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WrongServer]:
    static_dir = tmp_path_factory.mktemp("static")
    for name, size in FILES:  # the wrong server compresses on the fly: no siblings needed
        (static_dir / name).write_bytes(content(name, size))
    with wrong_server(static_dir) as running:
        yield running


def run_block(server: WrongServer, block: Block, *faults: str) -> Recorder:
    server.reset(*faults)
    record = Recorder(echo=False)
    target = Target("127.0.0.1", server.port, server.port, server.port, server.port)
    block(Run(target, record, str(server.static_dir)))
    return record


def statuses(record: Recorder, name: str) -> set[str]:
    found = {outcome.status for outcome in record.outcomes if name in outcome.name}
    assert found, f"no check named {name!r} in {[o.name for o in record.outcomes]}"
    return found


# --- the helpers' semantics --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "passed"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n55", True),
        (b"HTTP/1.1 200 OK\r\n\r\n55\n", True),  # a trailing newline is tolerated
        (b"HTTP/1.1 200 OK\r\n\r\n55\n\n", True),  # $(...) drops every trailing newline
        (b"HTTP/1.1 200 OK\r\n\r\n55\r\n", False),  # a CR stays on the last line
        (b"HTTP/1.1 200 OK\r\n\r\n55 ", False),
        (b'HTTP/1.1 200 OK\r\n\r\n"55"', False),
        (b"HTTP/1.1 200 OK\r\n\r\n", False),
    ],
)
def test_check_compares_the_last_line(output: bytes, passed: bool) -> None:
    assert judge_body(output, "55")[0] is passed


@pytest.mark.parametrize(
    ("value", "expected", "passed"),
    [
        ("text/plain", "text/plain", True),
        ("text/plain; charset=utf-8", "text/plain", True),
        ("text/plain;charset=utf-8", "text/plain", True),
        ("text/plainx", "text/plain", False),
        ("text/html", "text/plain", False),
        ("text/javascript", "application/javascript", True),
        ("text/javascript; charset=utf-8", "application/javascript", True),
        ("application/javascript", "application/javascript", True),
        ("application/json", "application/javascript", False),
    ],
)
def test_check_header_equals_or_starts_with_a_parameter(
    value: str, expected: str, passed: bool
) -> None:
    assert header_matches(value, expected) is passed


def test_check_header_fails_a_duplicated_or_missing_header() -> None:
    once = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
    twice = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-type: text/plain\r\n\r\n"
    assert judge_header(once, "Content-Type", "text/plain")[0]
    assert not judge_header(twice, "Content-Type", "text/plain")[0]
    assert not judge_header(b"HTTP/1.1 200 OK\r\n\r\n", "Content-Type", "text/plain")[0]


def test_headers_come_from_the_final_response_after_100_continue() -> None:
    output = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Cache: HIT\r\n\r\n17"
    assert last_head(output) == [("x-cache", "HIT")]


# --- each wrong answer fails its check, and the right one passes it -----------------------------

# (block, faults, the checks they must fail): faults that touch different checks share a run
WRONG: list[tuple[Block, tuple[str, ...], tuple[str, ...]]] = [
    (checks_h1.baseline, ("html",), ("GET Content-Type", "POST Content-Type")),
    (checks_h1.baseline, ("duplicate-type",), ("GET Content-Type",)),
    (checks_h1.baseline, ("cache-post",), ("POST random body",)),
    (
        checks_h1.baseline,
        ("first-read",),
        ("TCP fragments: request line split", "TCP fragments: POST body split in two"),
    ),
    (checks_h1.pipelined, ("pipeline-json",), ("Content-Type",)),
    (checks_h1.json_, ("json-no-m", "json-type"), ("GET /json/12?m=3", "Content-Type")),
    (checks_h1.json_comp, ("never-compress",), ("Content-Encoding gzip or br when asked",)),
    (checks_h1.json_comp, ("always-gzip",), ("no Content-Encoding unasked",)),
    (checks_h1.json_comp, ("gzip-lie",), ("GET /json/25?m=3",)),
    (checks_h1.upload, ("echo-length",), ("extra: chunked",)),
    (
        checks_h1.static,
        ("truncate", "css-as-plain", "static-200", "gzip-lie"),
        (
            "reset.css identity size",
            "reset.css Content-Type",
            "nonexistent.txt is 404",
            "reset.css gzip decodes",
        ),
    ),
    (checks_db.async_db, ("tags-string",), ("GET /async-db?min=5",)),
    (checks_db.async_db, ("active-int",), ("GET /async-db?min=100",)),
    (checks_db.crud, ("never-hit", "post-200"), ("3. GET /crud/items/42 twice", "5. POST")),
    (checks_db.crud, ("put-keeps-cache",), ("7. GET after PUT is a MISS",)),
    (ws_checks.echo_ws, ("ws-bad-accept",), ("upgrade: Sec-WebSocket-Accept",)),
    (ws_checks.echo_ws, ("ws-binary-as-text", "ws-plain-500"), ("binary echo", "plain GET /ws")),
    (ws_checks.echo_ws, ("ws-close-no-reply",), ("close 1000 answered",)),
]
RIGHT: list[Block] = list(dict.fromkeys(block for block, _, _ in WRONG))


@pytest.mark.parametrize("block", RIGHT, ids=lambda block: block.__name__)
def test_a_right_server_passes(server: WrongServer, block: Block) -> None:
    record = run_block(server, block)
    assert not record.failed, [o.line() for o in record.outcomes if o.status == "FAIL"]
    for wrong_block, _, names in WRONG:
        for name in names if wrong_block is block else ():
            assert statuses(record, name) == {"PASS"}


@pytest.mark.parametrize(
    ("block", "faults", "names"), WRONG, ids=[f"{b.__name__}-{'+'.join(f)}" for b, f, _ in WRONG]
)
def test_a_wrong_answer_fails(
    server: WrongServer, block: Block, faults: tuple[str, ...], names: tuple[str, ...]
) -> None:
    record = run_block(server, block, *faults)
    for name in names:
        assert "FAIL" in statuses(record, name), name


def test_no_compression_at_all_is_a_skip(server: WrongServer) -> None:
    record = run_block(server, checks_h1.static, "never-compress")
    assert statuses(record, "compressed fetches") == {"SKIP"}
    assert not record.failed


def test_a_missing_x_cache_aborts_validation(server: WrongServer) -> None:
    with pytest.raises(Aborted):
        run_block(server, checks_db.crud, "no-x-cache")
    server.reset("no-x-cache")
    record = Recorder(echo=False)
    target = Target("127.0.0.1", server.port, server.port, server.port, server.port)
    run_blocks(Run(target, record, str(server.static_dir)), ["crud", "echo-ws"])
    assert statuses(record, "validation aborted") == {"FAIL"}
    assert not [o for o in record.outcomes if o.block == "echo-ws"]  # nothing ran after it


def test_h2c_checks_fail_on_an_http11_server(server: WrongServer) -> None:
    record = run_block(server, checks_h2.baseline_h2c)
    assert statuses(record, "HTTP/2 prior knowledge") == {"FAIL"}
    assert statuses(record, "HTTP/1.1 gets no 200") == {"FAIL"}
