"""Squall's HttpArena entry passes every check of ``python -m bench.httparena validate``.

The validator's blocks (validate.sh's checks, for each profile meta.json subscribes to) run
against the session's running entry (tests/deploy/httparena/conftest.py: the launcher with
generated mounts and a throwaway PostgreSQL), with real curl, raw sockets and WebSocket frames.
"""

from __future__ import annotations

import json

from bench.httparena.checks import Recorder, Run, Target
from bench.httparena.validate import run_blocks
from tests.deploy.httparena.entry import ENTRY, Entry


def test_every_subscribed_check_passes(entry: Entry) -> None:
    assert entry.mounts is not None
    tests = json.loads((ENTRY / "meta.json").read_text())["tests"]
    ports = entry.ports
    target = Target("127.0.0.1", ports.h1, ports.h1_tls, ports.h2c, ports.h2_tls)
    record = Recorder(echo=False)
    run_blocks(Run(target, record, str(entry.mounts.static)), tests)
    failures = [outcome.line() for outcome in record.outcomes if outcome.status == "FAIL"]
    assert failures == []
    assert record.count("PASS") >= 100  # every block ran (a skipped block would pass nothing)
