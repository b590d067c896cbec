"""Paths that try to leave StaticFiles' directory get a 404, never the file and never a 500:
StaticFiles as the whole app under Squall's server and uvicorn, requests sent by curl with
``--path-as-is`` (the path goes out exactly as written)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from squall.staticfiles import StaticFiles
from tests.framework.static_tree import HELLO, SERVERS, curl, make_tree, serving
from tests.server.serving import captured_errors

Serve = Callable[[Any], Any]


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("tree")
    static = make_tree(tmp_path)
    os.symlink(tmp_path / "secret.txt", static / "escape.txt")
    os.symlink(tmp_path, static / "up")
    os.symlink(static / "hello.txt", static / "alias.txt")
    os.symlink(tmp_path / "secret.txt", static / "hello.txt.gz")  # a sibling that leaves
    return static


@pytest.fixture(scope="module", params=SERVERS)
def base(request: pytest.FixtureRequest, static_dir: Path) -> Iterator[str]:
    app = StaticFiles(directory=static_dir)
    with captured_errors() as errors, serving(request.param)(app) as url:
        yield url
    assert errors.records == []


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/docs/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/docs%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/hello.txt%00.png",
        "/%00",
        f"/{Path('/etc/passwd').as_posix()}",
        "//etc/passwd",
        "/escape.txt",
        "/up/secret.txt",
    ],
)
def test_escapes_are_404(base: str, path: str) -> None:
    answer = curl(base + path)
    assert answer.status == 404, path
    assert b"SECRET" not in answer.body and b"root:" not in answer.body


def test_a_sibling_leaving_the_directory_is_not_sent(base: str) -> None:
    answer = curl(f"{base}/hello.txt", "-H", "accept-encoding: gzip")
    assert (answer.status, answer.body) == (200, HELLO)
    assert "content-encoding" not in answer.headers


def test_a_symlink_inside_the_directory_is_served(base: str) -> None:
    answer = curl(f"{base}/alias.txt")
    assert (answer.status, answer.body) == (200, HELLO)


def test_follow_symlink_allows_links_that_leave(serve_app: Serve, static_dir: Path) -> None:
    with serve_app(StaticFiles(directory=static_dir, follow_symlink=True)) as url:
        assert curl(f"{url}/escape.txt").body == b"TOP SECRET"
        assert curl(f"{url}/up/secret.txt").body == b"TOP SECRET"
        assert curl(f"{url}/../secret.txt").status == 404  # .. is refused all the same
