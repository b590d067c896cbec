"""A short, repeatable campaign of the coverage-guided fuzzer (``python -m bench.fuzz``).

The fuzz target (bench/fuzz/target.py) feeds atheris' inputs to a real ``HttpConnection``,
cut into pieces, on a real event loop, and fails on an escaped exception, a hang, a buffer
over its limit or a malformed response.  Here it runs a fixed number of inputs with a fixed
seed as a subprocess, the way a developer runs it, and must finish clean: on the hot path's
Python source (coverage-guided) and, where it is built, on the mypyc build (crash-only: the
compiled build once 500'd where the source did not).  The seed corpus holds every regression
case, so these runs replay them first.  Longer campaigns are ``python -m bench.fuzz --minutes N``.  atheris is in the dev extra: outside CI a missing
atheris skips this test, in CI it must be there.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server.serving import REPO

RUNS = {"source": 2000, "compiled": 1000}  # seed corpus included; ~10 s and ~4 s


def built() -> str:
    """The hot path's build state without SQUALL_NO_COMPILE (which this leg may set)."""
    env = {k: v for k, v in os.environ.items() if k != "SQUALL_NO_COMPILE"}
    command = [sys.executable, "-c", "from squall.server import compiled; print(compiled.STATE)"]
    return subprocess.run(command, env=env, capture_output=True, text=True).stdout.strip()


pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None and os.environ.get("CI") != "true",
    reason="atheris is not installed (pip install -e '.[dev]'; in CI it must be)",
)


@pytest.mark.parametrize("mode", ["source", "compiled"])
def test_a_bounded_campaign_finds_nothing(tmp_path: Path, mode: str) -> None:
    if mode == "compiled" and (state := built()) != "compiled":
        pytest.skip(f"the hot path is not compiled here ({state})")
    runs = RUNS[mode]
    command = [sys.executable, "-m", "bench.fuzz", "--runs", str(runs), "--seed", "1"]
    command += ["--out", str(tmp_path), *(["--compiled"] if mode == "compiled" else [])]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240)
    report = result.stdout + result.stderr[-3000:]
    assert result.returncode == 0, report
    executed = re.search(r"fuzzing: +(\d+) inputs", result.stdout)
    assert executed is not None, report
    assert int(executed.group(1)) >= runs, report
    assert "findings:   none" in result.stdout, report
    assert f"build: {'compiled' if mode == 'compiled' else 'disabled'}" in result.stdout, report
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-"))]
    assert any((tmp_path / "corpus").iterdir()), "the campaign kept no input that reached new code"
