"""Each input the coverage-guided fuzzer (bench/fuzz) ever failed on, replayed.

A case is a decoded plan in tests/server/fuzz_regressions/ (JSON: the app, the request
stream's pieces, the clock jumps between them, whether the client half-closes at the end), as
``python -m bench.fuzz`` writes it next to a finding.  Each case runs twice: in-process through
the fuzz target, with all its checks (no escaped exception or error log, no hang, bounded
buffers, well-formed responses), and on a real socket against a real server, piece by piece
(each piece in a read of its own), where the responses must be well-formed and nothing may be
logged as an error.  Clock jumps only happen in-process.
"""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path

import pytest

from bench.fuzz.apps import APPS
from bench.fuzz.plan import APP_NAMES, Plan
from bench.fuzz.responses import check_responses
from bench.fuzz.target import FUZZ_CONFIG, run_plan
from tests.server.serving import PieceSender, captured_errors, connect, read_until_closed, serve

CASES = sorted((Path(__file__).parent / "fuzz_regressions").glob("*.json"))


def load(path: Path) -> Plan:
    return Plan.from_json(json.loads(path.read_text()))


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_in_process(case: Path) -> None:
    run_plan(load(case))


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_on_a_real_socket(case: Path) -> None:
    plan = load(case)
    app = APPS[APP_NAMES.index(plan.app)]
    with (
        captured_errors() as errors,
        serve(app, lifespan="off", **FUZZ_CONFIG) as running,
        connect(running) as sock,
    ):
        sender = PieceSender(running, sock)
        with contextlib.suppress(ConnectionError):  # the server may close before the last piece
            for step in plan.steps:
                sender.send(step.data)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        written = read_until_closed(sock, limit=10.0)
    parsed = check_responses(written, closed=True)
    assert 500 not in parsed.statuses, written
    assert not errors.records, errors.messages() + errors.tracebacks()
