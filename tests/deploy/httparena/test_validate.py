"""``python -m bench.httparena validate`` end to end: real entries, real PostgreSQL, real curl.

Squall's entry (deploy/httparena) must pass every check of its subscribed profiles, and so must
the FastAPI twin (which shows the checks are not written to one implementation).  An entry that
answers wrong must make the command print FAIL and exit non-zero.  Each run starts the entry's
launcher on free ports with the session's generated mounts and seeded PostgreSQL (conftest.py).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.httparena import launch, validate
from bench.httparena.data import Mounts
from bench.httparena.launch import Setup

REPO = Path(__file__).resolve().parents[3]
TIMEOUT = 120


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must have it: .ci/run installs it)")
    pytest.skip(reason)


def validate_command(
    entry: str, mounts: Mounts, database_url: str
) -> subprocess.CompletedProcess[str]:
    """The command line, with the session's mounts and PostgreSQL (conftest.py) to save ~15 s."""
    require(shutil.which("curl") is not None, "the validator drives the curl binary")
    command = [
        sys.executable, "-m", "bench.httparena", "validate", "--entry", entry,
        "--mounts", str(mounts.root), "--database-url", database_url,
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def passes_everything(done: subprocess.CompletedProcess[str]) -> None:
    lines = done.stdout.splitlines()
    failed = [line for line in lines if line.startswith("FAIL")]
    assert done.returncode == 0 and not failed, (failed, done.stderr[-2000:])
    assert sum(line.startswith("PASS") for line in lines) >= 70
    assert " 0 failed" in lines[-1]


@pytest.fixture
def squall_entry() -> None:
    require(
        (launch.ENTRIES["squall"] / "launcher.py").is_file(),
        "deploy/httparena/launcher.py (the arena-entry branch) is not merged",
    )


def test_squall_entry_passes_validation(
    squall_entry: None, mounts: Mounts, database_url: str
) -> None:
    done = validate_command("squall", mounts, database_url)
    passes_everything(done)
    for block in ("[crud]", "[echo-ws]", "[baseline-h2]", "[static-h2]", "[json-h2c]"):
        assert block in done.stdout


def test_fastapi_twin_passes_validation(mounts: Mounts, database_url: str) -> None:
    require(importlib.util.find_spec("fastapi") is not None, "fastapi is not installed")
    passes_everything(validate_command("fastapi", mounts, database_url))


def test_a_wrong_entry_fails_validation(
    tmp_path: Path,
    mounts: Mounts,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An entry whose baseline answers text/html: FAIL lines and exit status 1."""
    require(shutil.which("curl") is not None, "the validator drives the curl binary")
    (tmp_path / "meta.json").write_text('{"tests": ["baseline", "pipelined"]}')
    (tmp_path / "launcher.py").write_text(
        "import os, runpy, sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "os.environ['WRONG_FAULTS'] = 'html'\n"
        "runpy.run_module('tests.deploy.httparena.wrong_server', run_name='__main__')\n"
    )
    monkeypatch.setitem(launch.ENTRIES, "wrong", tmp_path)
    assert validate.validate("wrong", setup=Setup(mounts=mounts.root)) == 1
    out = capsys.readouterr().out
    assert "FAIL [baseline] GET Content-Type" in out
    assert "PASS [pipelined] GET /pipeline" in out
    assert out.splitlines()[-1].startswith("wrong: ")
