"""The allocator thresholds the server sets for large bodies (squall/server/memory.py).

``mallopt`` changes the allocator for the whole process, so whatever may call it runs in a
child interpreter: the rest of the test run keeps glibc's defaults.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from squall.server import memory
from squall.server.cli import build_parser, config_from_args
from tests.server.serving import REPO


def run_in_child(code: str) -> str:
    """Run ``code`` in a fresh interpreter (same loop choice); fail on a non-zero exit."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds() -> None:
    out = run_in_child(
        """
        from squall.server import memory
        print(memory.tune_malloc())
        """
    )
    assert out.split() == ["True"]


def test_other_c_libraries_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(platform, "libc_ver", lambda: ("musl", "1.2"))
    monkeypatch.setattr(memory.ctypes, "CDLL", lambda *args: calls.append(args))
    assert memory.tune_malloc() is False
    assert calls == []  # the C library was not even loaded


def test_the_cli_turns_it_off_and_on() -> None:
    parser = build_parser()
    assert config_from_args(parser.parse_args(["m:app"])).tune_malloc is True
    assert config_from_args(parser.parse_args(["m:app", "--no-tune-malloc"])).tune_malloc is False


@pytest.mark.parametrize("tune", [True, False])
def test_large_uploads_arrive_whole_either_way(tune: bool) -> None:
    out = run_in_child(
        f"""
        import httpx
        import squall.server.main as main
        from tests.server import asgi_apps
        from tests.server.serving import serve

        calls = []
        original = main.tune_malloc
        main.tune_malloc = lambda: calls.append(1) or original()

        body = bytes(range(256)) * 8192  # 2 MiB
        with serve(asgi_apps.echo, tune_malloc={tune}) as running, httpx.Client() as client:
            for _ in range(3):
                response = client.post(running.url, content=body)
                assert response.status_code == 200 and response.content == body
        print("tuned" if calls else "untouched")
        """
    )
    assert out.split() == ["tuned" if tune else "untouched"]
