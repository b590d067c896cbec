"""The Dockerfile's steps as bench/httparena/rehearse.py reads them, and what they must hold.

The image is built by HttpArena (there is no Docker daemon here); ``python -m bench.httparena
rehearse`` takes its steps without Docker.  These tests check, in a second, what a wrong
Dockerfile would only show when HttpArena builds it: every module the entry imports from its
own folder is COPYed, the extras the image installs exist and carry what the entry imports.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

from bench.httparena.launch import EntryError
from bench.httparena.rehearse import DOCKERFILE, ROOT, image_steps

ENTRY = DOCKERFILE.parent
STEPS = image_steps(DOCKERFILE.read_text())


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_image_is_python_313_slim_with_the_entrys_extras() -> None:
    assert STEPS.python_version == "3.13"
    assert set(STEPS.extras.split(",")) == {"http2", "compression", "httparena"}


def local_imports(start: set[str], local: set[str]) -> set[str]:
    """The entry's own modules ``start`` reaches, transitively."""
    reached: set[str] = set()
    waiting = list(start)
    while waiting:
        name = waiting.pop()
        if name not in reached:
            reached.add(name)
            waiting.extend(imported_modules(ENTRY / f"{name}.py") & local)
    return reached


def test_every_local_module_the_entry_imports_is_copied_into_the_image() -> None:
    local = {path.stem for path in ENTRY.glob("*.py")}
    needed = local_imports({"launcher", "app"}, local)  # the launcher serves app:app
    copied = {Path(name).stem for name in STEPS.app_files}
    assert needed <= copied, f"not copied: {sorted(needed - copied)}"
    assert all((ENTRY / name).is_file() for name in STEPS.app_files)


def test_the_extras_carry_every_third_party_module_the_entry_imports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in STEPS.extras.split(","):
        requirements += project["optional-dependencies"][extra]
    names = {requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
             for requirement in requirements}  # fmt: skip
    local = {path.stem for path in ENTRY.glob("*.py")}
    third_party = set()
    for name in STEPS.app_files:
        third_party |= imported_modules(ENTRY / name) - local - set(sys.stdlib_module_names)
    missing = third_party - {"squall"} - names
    assert not missing, f"not installed: {sorted(missing)}"


def test_a_changed_dockerfile_is_reported_not_misread() -> None:
    with pytest.raises(EntryError, match=r"update rehearse\.py"):
        image_steps("FROM python:3.13-slim\nRUN pip install squall\n")
