"""Which build of the hot path runs (squall/server/compiled.py): on made-up trees, then in
fresh interpreters importing the real server.

A tree has a source and a (fake) extension per module; the stamp records the sources' sha256
as a build would.  Only an editable build's sources are compared with the stamp.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from squall.server.compiled import SourceFinder, Stamp, compiled_state, digest, source_file

NAMES = ("hot.first", "hot.inner.second")
PROBE = """
import json, sys
import squall.server
from squall.server import compiled

before = [name for name in compiled.HOT_PATH if name in sys.modules]
from squall.server import Config, ConfigError, Server, run
import squall.server.websocket.codec_squall  # --ws squall: imported when chosen
import squall.server.http2.connection  # HTTP/2 (on our codec, core.py): imported when spoken

files = [sys.modules[name].__file__ for name in compiled.HOT_PATH]
print(json.dumps({"state": compiled.STATE, "before": before, "files": files}))
"""
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def build_tree(root: Path, *, editable: bool) -> Stamp:
    """Sources and extensions for NAMES under ``root``, and the stamp a build would write."""
    for name in NAMES:
        source = Path(source_file(str(root), name))
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"name = {name!r}\n")
        source.with_name(source.stem + SUFFIX).write_bytes(b"not really a shared object")
    return Stamp(editable, {name: digest(source_file(str(root), name)) for name in NAMES})


@pytest.fixture(autouse=True)
def compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SQUALL_NO_COMPILE", raising=False)


def test_a_build_of_the_sources_as_they_are_is_compiled(tmp_path: Path) -> None:
    stamp = build_tree(tmp_path, editable=True)
    assert compiled_state(str(tmp_path), stamp, NAMES) == "compiled"


def test_an_edited_source_in_an_editable_tree_is_stale(tmp_path: Path) -> None:
    stamp = build_tree(tmp_path, editable=True)
    with open(source_file(str(tmp_path), NAMES[1]), "a") as source:
        source.write("EDITED = True\n")
    assert compiled_state(str(tmp_path), stamp, NAMES) == "stale"


def test_a_wheel_is_compiled_whatever_its_files_say(tmp_path: Path) -> None:
    # A wheel's sources are not hashed: installed files don't change (and their times are
    # the time they were unpacked at, in any order).
    stamp = build_tree(tmp_path, editable=False)
    Path(source_file(str(tmp_path), NAMES[0])).write_text("CHANGED = True\n")
    assert compiled_state(str(tmp_path), stamp, NAMES) == "compiled"


def test_extensions_without_a_stamp_are_stale(tmp_path: Path) -> None:
    build_tree(tmp_path, editable=True)
    assert compiled_state(str(tmp_path), None, NAMES) == "stale"


def test_a_stamp_of_another_module_list_is_stale(tmp_path: Path) -> None:
    stamp = build_tree(tmp_path, editable=False)
    fewer = Stamp(False, {NAMES[0]: stamp.sources[NAMES[0]]})
    assert compiled_state(str(tmp_path), fewer, NAMES) == "stale"


def test_a_missing_extension_means_no_compiled_build(tmp_path: Path) -> None:
    stamp = build_tree(tmp_path, editable=True)
    Path(source_file(str(tmp_path), NAMES[1])[: -len(".py")] + SUFFIX).unlink()
    assert compiled_state(str(tmp_path), stamp, NAMES) == "absent"


def test_squall_no_compile_disables_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamp = build_tree(tmp_path, editable=True)
    monkeypatch.setenv("SQUALL_NO_COMPILE", "1")
    assert compiled_state(str(tmp_path), stamp, NAMES) == "disabled"


def test_the_source_finder_imports_sources_ahead_of_extensions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_tree(tmp_path, editable=True)
    for package in ("hot", "hot/inner"):
        (tmp_path / package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", [SourceFinder(str(tmp_path), NAMES), *sys.meta_path])
    try:
        # The fake extension would fail to load: the finder must take the source.
        module = importlib.import_module(NAMES[1])
        assert module.name == NAMES[1]
        assert module.__file__ == source_file(str(tmp_path), NAMES[1])
    finally:
        for name in ("hot", *NAMES, "hot.inner"):
            sys.modules.pop(name, None)


def probe(no_compile: bool) -> dict[str, object]:
    """How a fresh interpreter imports the hot path, with or without SQUALL_NO_COMPILE."""
    env = {k: v for k, v in os.environ.items() if k != "SQUALL_NO_COMPILE"}
    if no_compile:
        env["SQUALL_NO_COMPILE"] = "1"
    command = [sys.executable, "-c", PROBE]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


def test_squall_no_compile_imports_the_whole_hot_path_from_source() -> None:
    found = probe(no_compile=True)
    assert found["state"] == "disabled"
    assert found["before"] == []  # squall.server imports its hot path lazily
    files = found["files"]
    assert isinstance(files, list) and files
    assert all(file.endswith(".py") for file in files), files


def test_the_hot_path_is_imported_all_compiled_or_all_from_source() -> None:
    found = probe(no_compile=False)
    assert found["before"] == []
    files = found["files"]
    assert isinstance(files, list) and files
    compiled = [file for file in files if not file.endswith(".py")]
    assert compiled == (files if found["state"] == "compiled" else []), found
