"""Fixtures for the HttpArena entry's tests: generated mounts, a throwaway PostgreSQL and the
entry itself (deploy/httparena/launcher.py) running with both.

All are made once per test session (PostgreSQL starts and loads its 100,000 rows in a few
seconds).  Without the PostgreSQL binaries or asyncpg the tests that need them skip, except
under CI=true, where .ci/run installs them and a skip would hide a failure.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.httparena import postgres
from bench.httparena.data import Mounts, write_mounts
from tests.deploy.httparena.entry import Entry, entry_environment, run_entry


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (in CI it must be there: .ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """DATABASE_URL of a seeded throwaway PostgreSQL, stopped at the end of the session."""
    require(postgres.available(), "the PostgreSQL server binaries (initdb, postgres) are missing")
    require(importlib.util.find_spec("asyncpg") is not None, "asyncpg is not installed")
    with postgres.throwaway_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def mounts(tmp_path_factory: pytest.TempPathFactory) -> Mounts:
    """dataset.json, static/ and certs/ as HttpArena mounts them (no SQL seed file; brotli
    quality 5 for the .br siblings: 11 takes seconds)."""
    require(importlib.util.find_spec("brotli") is not None, "brotli is not installed")
    directory = Path(tmp_path_factory.mktemp("httparena"))
    return write_mounts(directory, seed_sql=False, brotli_quality=5)


@pytest.fixture(scope="session")
def entry(
    mounts: Mounts, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Entry]:
    """The launcher serving every port, with all mounts and the database."""
    log = tmp_path_factory.mktemp("entry") / "launcher.log"
    with run_entry(entry_environment(mounts, database_url), mounts, log) as running:
        yield running
