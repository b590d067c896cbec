"""The --static and --static-encoded bench profiles' plumbing: the files, the wrk script, the
entries' command lines and the answer check against Squall's StaticFiles entry, served for
real (no load: speed is measured by the bench)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import static_files
from bench.profiles import PROFILES
from bench.runner import Options, check_answer, free_port, running
from bench.serving_entries import STATIC_ENTRIES


def test_the_tree_has_httparenas_files_and_siblings(tmp_path: Path) -> None:
    tree = static_files.write_tree(tmp_path / "static")
    for name, size in static_files.FILES:
        assert (tree / name).stat().st_size == size, name
        assert (tree / f"{name}.gz").exists() == static_files.is_text(name), name
    assert static_files.check_identity((tree / static_files.CHECKED).read_bytes())
    assert static_files.check_encoded((tree / f"{static_files.CHECKED}.gz").read_bytes())
    assert not static_files.check_identity(b"nope")


def test_the_scripts_ask_for_every_file_at_random() -> None:
    plain, encoded = PROFILES["static"].lua(), PROFILES["static-encoded"].lua()
    for name, _ in static_files.FILES:
        assert f'"/static/{name}"' in plain
    assert "math.random(#paths)" in plain
    assert "Accept-Encoding" not in plain
    assert static_files.ACCEPT_ENCODING in encoded


def test_every_entry_names_the_directory() -> None:
    for entry in STATIC_ENTRIES:
        assert entry.supports("static") and entry.supports("static-encoded"), entry.name
        command = entry.command("python", 1, files={"static": "/srv/files"})
        if "bench.apps.squall_static:app" not in command and "starlette" not in str(command):
            assert "/srv/files" in command, entry.name
        assert not any("{" in part for part in command), entry.name


@pytest.mark.parametrize("profile", ["static", "static-encoded"])
def test_squalls_entry_passes_the_answer_check(tmp_path: Path, profile: str) -> None:
    tree = static_files.write_tree(tmp_path / "static")
    entry = STATIC_ENTRIES[0]
    options = Options(python=sys.executable, server_cpu=None, files={"static": str(tree)})
    port = free_port()
    chosen = PROFILES[profile]
    with running(entry, options, port, chosen, {"BENCH_STATIC_DIR": str(tree)}) as proc:
        assert check_answer(port, proc, chosen) == "ok"
