"""The Autobahn TestSuite's cases, driven by ``kosoku``, against ``squall`` in its own process.

Two paths, each with every codec (``--ws``: ours, websockets, wsproto), permessage-deflate on:

- ``asgi``: a raw ASGI echo app (``echo_apps.asgi_echo``);
- ``framework``: a Squall ``App`` with an ``@app.websocket`` echo route (``echo_apps.framework_echo``),
  which takes the framework's native path on Squall's server where there is one.

Every case must end OK, NON-STRICT or INFORMATIONAL; a failure lists each failing case with
kosoku's reasons.  The run prints a summary per path (``pytest -s`` shows it).

Cases: all of sections 1-10 (framing, pings, reserved bits, opcodes, fragmentation, UTF-8,
close handling, the 9.x large messages and 10.x auto-fragmentation) and, of the compression
sections 12 and 13 (each case there is 1,000 echoes one after another), the cases with payloads
up to 4 KiB in each of their twelve groups: the larger ones take ~10 minutes per run on 2 cores.
``SQUALL_AUTOBAHN_FULL=1`` runs every case: the 128 KiB compression cases (1,000 echoes each, most
of them auto-fragmented by the client) in a second kosoku run, one case at a time, so that on a
busy 2-core machine none passes kosoku's per-case limit (see the README).  CI runs this module
in its main leg only (the others set ``SQUALL_SKIP_AUTOBAHN=1``: see .ci/run).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from typing import IO

import pytest
from kosoku import FailureError, run_fuzzingclient
from kosoku._kosoku import CaseResult  # the type of a case result (not re-exported)

from tests.server.serving import REPO, bound_socket, cli_command, wait_for_port

if os.environ.get("SQUALL_SKIP_AUTOBAHN") == "1":
    pytest.skip("SQUALL_SKIP_AUTOBAHN=1: Autobahn runs in CI's main leg", allow_module_level=True)

APPS = {
    "asgi": "tests.server.websocket.echo_apps:asgi_echo",
    "framework": "tests.server.websocket.echo_apps:framework_echo",
}
PARALLEL = 4  # cases at once: most of a case's time is round trips, not CPU
SMALL_COMPRESSION_CASES = range(1, 6)  # 12.x.1-12.x.5 and 13.x.1-13.x.5: 16 B to 4 KiB payloads
COMPRESSION_GROUPS = [f"12.{group}" for group in range(1, 6)] + [
    f"13.{group}" for group in range(1, 8)
]
LARGE_MESSAGE_LIMIT_MS = 10_000  # a 9.x case (up to 16 MiB) slower than this is a bug
# The full campaign's 128 KiB compression cases (12.x.10 and 12.x.15-18, the same in 13.x):
# minutes each on two busy cores, so they run one at a time.
BIG_COMPRESSION_CASES = [
    f"{group}.{n}" for group in COMPRESSION_GROUPS for n in (10, 15, 16, 17, 18)
]


def full_campaign() -> bool:
    return os.environ.get("SQUALL_AUTOBAHN_FULL") == "1"


def keepalive_options() -> tuple[str, ...]:
    """No keepalive pings in the full campaign: a case that has not ended when the server
    pings (every 20 s by default; the largest compression cases take minutes on 2 cores)
    fails, since the ping is among the frames the client received.  The selected cases end
    well before it, so CI's run keeps the default."""
    return ("--ws-ping-interval", "0") if full_campaign() else ()


def campaign() -> list[tuple[list[str], list[str], int]]:
    """The kosoku runs: (cases, cases left out, cases at once) each."""
    if full_campaign():
        return [(["*"], BIG_COMPRESSION_CASES, PARALLEL), (BIG_COMPRESSION_CASES, [], 1)]
    sections = [f"{section}.*" for section in (1, 2, 3, 4, 5, 6, 7, 9, 10)]
    compression = [f"{group}.{n}" for group in COMPRESSION_GROUPS for n in SMALL_COMPRESSION_CASES]
    return [(sections + compression, [], PARALLEL)]


@contextlib.contextmanager
def squall_process(app: str, *options: str) -> Iterator[tuple[int, IO[bytes]]]:
    """``python -m squall APP`` on a free port, its output to a file (a pipe nobody reads
    would fill and block the server once it logs): yields the port and that file."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            cli_command(app, "--port", str(port), *options), cwd=REPO, stdout=output, stderr=output
        )
        try:
            wait_for_port(port, process)
            yield port, output
        finally:
            process.kill()
            process.wait(10)


def run_cases(port: int) -> list[CaseResult]:
    """Every selected case against ``ws://127.0.0.1:PORT/``, failed or not."""

    async def run(cases: list[str], excluded: list[str], parallel: int) -> list[CaseResult]:
        url = f"ws://127.0.0.1:{port}/"
        try:
            return list(await run_fuzzingclient(url, cases, excluded or None, parallel))
        except FailureError as failure:
            return failure.results

    return [result for step in campaign() for result in asyncio.run(run(*step))]


def summary(name: str, results: list[CaseResult]) -> str:
    verdicts = collections.Counter(result.behavior.value for result in results)
    closes = collections.Counter(result.behavior_close.value for result in results)
    slowest = max(results, key=lambda result: result.duration)
    return (
        f"Autobahn {name}: {len(results)} cases; behavior {dict(sorted(verdicts.items()))}; "
        f"close {dict(sorted(closes.items()))}; slowest {slowest.case_id} "
        f"({slowest.duration} ms)"
    )


def failure_lines(results: list[CaseResult]) -> list[str]:
    return [
        f"{result.case_id}: {result.behavior.value} / {result.behavior_close.value}: "
        f"{result.result} {result.result_close}"
        for result in results
        if not result.passed
    ]


@pytest.mark.parametrize("codec", ["squall", "websockets", "wsproto"])
@pytest.mark.parametrize("path", sorted(APPS))
def test_autobahn_cases_pass(path: str, codec: str) -> None:
    options = ("--ws", codec, "--ws-per-message-deflate", "--no-access-log", *keepalive_options())
    with squall_process(APPS[path], *options, "--log-level", "warning") as (port, output):
        results = run_cases(port)
        output.seek(0)
        logged = output.read().decode(errors="replace")
    failures = failure_lines(results)
    print("\n" + "\n".join([summary(f"{path} --ws {codec}", results), *failures]))
    assert results, "kosoku ran no case"
    assert not failures, f"{len(failures)} Autobahn cases failed:\n" + "\n".join(failures)
    slow = [
        f"{result.case_id} took {result.duration} ms"
        for result in results
        if result.case_id.startswith("9.") and result.duration > LARGE_MESSAGE_LIMIT_MS
    ]
    assert not slow, "large-message cases too slow: " + ", ".join(slow)
    assert "ERROR" not in logged, f"the server logged errors:\n{logged[:5000]}"
