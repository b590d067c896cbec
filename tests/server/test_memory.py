"""The allocator thresholds the server sets for large bodies (squall/server/memory.py)."""

from __future__ import annotations

import platform

import httpx
import pytest

from squall.server import memory
from squall.server.cli import build_parser, config_from_args
from tests.server import asgi_apps
from tests.server.serving import serve


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_thresholds() -> None:
    assert memory.tune_malloc() is True


def test_other_c_libraries_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform, "libc_ver", lambda: ("musl", "1.2"))
    assert memory.tune_malloc() is False


def test_the_cli_turns_it_off_and_on() -> None:
    parser = build_parser()
    assert config_from_args(parser.parse_args(["m:app"])).tune_malloc is True
    assert config_from_args(parser.parse_args(["m:app", "--no-tune-malloc"])).tune_malloc is False


@pytest.mark.parametrize("tune", [True, False])
def test_large_uploads_arrive_whole_either_way(tune: bool) -> None:
    body = bytes(range(256)) * 8192  # 2 MiB
    with serve(asgi_apps.echo, tune_malloc=tune) as running, httpx.Client() as client:
        for _ in range(3):
            response = client.post(running.url, content=body)
            assert response.status_code == 200 and response.content == body
