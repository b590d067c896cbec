"""A wheel of this repository, installed into a fresh virtualenv, runs the compiled hot path.

The wheel is built once per test run (mypyc compiles the hot path: minutes on two cores) from
a copy of the checkout, so the checkout's own build and editable install are left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from squall.server.hot_path import HOT_PATH

REPO = Path(__file__).resolve().parents[1]
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".bench-venv", "build", "dist", "*.egg-info", "__pycache__", "*.so",
    "_build_stamp.py", ".pytest_cache", ".ruff_cache",
)  # fmt: skip
PROBE = """
import importlib, json, logging

logged = []


class Keep(logging.Handler):
    def emit(self, record):
        logged.append(f"{record.name}: {record.getMessage()}")


logging.getLogger().addHandler(Keep(logging.WARNING))
from squall.server import Config, Server, compiled

print(json.dumps({
    "state": compiled.STATE,
    "files": [importlib.import_module(name).__file__ for name in compiled.HOT_PATH],
    "logged": logged,
    "bench": importlib.util.find_spec("bench") is not None,
}))
"""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    python: Path


def run(command: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("SQUALL_NO_COMPILE", "PYTHONPATH")}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("packaging")
    shutil.copytree(REPO, work / "src", ignore=NOT_COPIED)
    pip = [sys.executable, "-m", "pip"]
    run([*pip, "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(work / "src")], work)
    (wheel,) = (work / "dist").glob("squall-*.whl")
    run([sys.executable, "-m", "venv", str(work / "venv")], work)
    python = work / "venv" / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel)], work)
    return Installed(wheel, python)


def test_the_wheel_holds_the_compiled_hot_path_and_its_stamp(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    for module in HOT_PATH:
        base = module.replace(".", "/")
        assert f"{base}.py" in names
        assert any(n.startswith(base + ".") and n.endswith(".so") for n in names), module
    stamp = zipfile.ZipFile(installed.wheel).read("squall/server/_build_stamp.py").decode()
    assert "EDITABLE = False" in stamp


def test_the_wheel_installs_no_bench(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert not [n for n in names if n.split("/")[0] in ("bench", "tests", "examples")]
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "bench" not in zipfile.ZipFile(installed.wheel).read(entry_points).decode()


def test_the_installed_wheel_runs_the_compiled_hot_path(
    installed: Installed, tmp_path: Path
) -> None:
    # -I: no current directory or PYTHONPATH on sys.path, so only the venv's squall is seen.
    found = json.loads(run([str(installed.python), "-I", "-c", PROBE], tmp_path))
    assert found["state"] == "compiled"
    assert len(found["files"]) == len(HOT_PATH)
    for file in found["files"]:
        assert file.endswith(".so"), file
        assert str(REPO) not in file
    assert found["logged"] == []
    assert not found["bench"]
