"""``python -m bench.httparena validate``: HttpArena's validate.sh, run locally against an entry.

The entry starts with generated mounts (and a throwaway PostgreSQL for the database profiles);
then every check block of the contract's §4 whose profiles the entry subscribes to (its meta.json
"tests", matched exactly) runs once, in validate.sh's order, printing PASS / FAIL / SKIP per check
and a summary.  The exit status is 1 when any check failed.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench.httparena import checks_db, checks_h1, checks_h2, ws_checks
from bench.httparena.checks import Recorder, Run
from bench.httparena.checks_db import Aborted
from bench.httparena.launch import Entry, EntryError, Setup, entry, entry_running


@dataclass(frozen=True)
class Block:
    name: str
    profiles: frozenset[str]  # the block runs when the entry subscribes to any of these
    run: Callable[[Run], None]


def block(name: str, run: Callable[[Run], None], *also: str) -> Block:
    return Block(name, frozenset({name, *also}), run)


BLOCKS: Final = (
    block("baseline", checks_h1.baseline, "limited-conn", "api-4", "api-16"),
    block("pipelined", checks_h1.pipelined),
    block("json", checks_h1.json_, "api-4", "api-16"),
    block("json-comp", checks_h1.json_comp),
    block("json-tls", checks_h1.json_tls),
    block("upload", checks_h1.upload),
    block("static", checks_h1.static),
    block("static-h2", checks_h2.static_h2),
    block("baseline-h2", checks_h2.baseline_h2),
    block("baseline-h2c", checks_h2.baseline_h2c),
    block("json-h2c", checks_h2.json_h2c),
    block("async-db", checks_db.async_db, "crud", "api-4", "api-16"),
    block("crud", checks_db.crud),
    block("echo-ws", ws_checks.echo_ws),
)
NOT_VALIDATED: Final = frozenset(
    {"baseline-h3", "static-h3", "unary-grpc", "unary-grpc-tls", "stream-grpc", "stream-grpc-tls"}
)


def selected(tests: Sequence[str]) -> list[Block]:
    return [candidate for candidate in BLOCKS if candidate.profiles.intersection(tests)]


def run_blocks(run: Run, tests: Sequence[str]) -> None:
    """The subscribed blocks in order; an abort (as validate.sh's pipefail) stops them all."""
    for test in tests:
        if test in NOT_VALIDATED:
            run.record.add(test, "subscribed", "SKIP", "validate.sh has no checks for it")
    for chosen in selected(tests):
        try:
            chosen.run(run)
        except Aborted as error:
            run.record.add(chosen.name, "validation aborted", "FAIL", str(error))
            return


def wait_for_a_stop_signal() -> None:
    """Until SIGINT or SIGTERM (handled here: a background job of a script ignores SIGINT)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: None)
    signal.pause()


def summary(record: Recorder) -> str:
    return (
        f"{record.count('PASS')} passed, {record.count('FAIL')} failed, "
        f"{record.count('SKIP')} skipped"
    )


def profiles_to_check(chosen: Entry, only: Sequence[str] | None) -> list[str]:
    tests = chosen.tests
    if not only:
        return tests
    unknown = [name for name in only if name not in tests]
    if unknown:
        raise EntryError(f"{chosen.name} does not subscribe to {', '.join(unknown)}")
    return list(only)


def validate(
    name: str,
    only: Sequence[str] | None = None,
    keep_running: bool = False,
    setup: Setup | None = None,
    directory: Path | None = None,
) -> int:
    """Validate entry ``name`` (from ``directory`` when given); the exit status (0 when nothing
    failed)."""
    try:
        chosen = entry(name)
        if directory is not None:  # the same entry, launched from elsewhere
            chosen = Entry(name, directory, chosen.directory / "meta.json")
        tests = profiles_to_check(chosen, only)
        record = Recorder()
        print(f"validating {name} ({chosen.directory}): {' '.join(tests)}", flush=True)
        with entry_running(chosen, tests, setup or Setup()) as started:
            run_blocks(Run(started.target, record, started.static_dir), tests)
            print(f"{name}: {summary(record)}", flush=True)
            if keep_running:
                print(f"still serving on {started.target} (Ctrl+C stops it)", flush=True)
                wait_for_a_stop_signal()
    except EntryError as error:
        print(f"FAIL [{name}] start: {error}", flush=True)
        return 1
    return 1 if record.failed else 0
