"""A directory of static files for the tests, and curl as the client that reads them raw."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.framework.conftest import serve_with_squall, serve_with_uvicorn

SERVERS = ["squall-native", "uvicorn-asgi"]  # as conftest's serve_app, for module fixtures


def serving(name: str) -> Callable[[Any], AbstractContextManager[str]]:
    return serve_with_squall if name == "squall-native" else serve_with_uvicorn


HELLO = b"hello, static world\n"
BIG = bytes(range(256)) * 4096 * 3  # 3 MiB: more than a socket buffer, several reads
SCRIPT = b"console.log('identity');\n" * 40
SCRIPT_BR = b"pretend-brotli:" + SCRIPT[:20]
SCRIPT_ZST = b"pretend-zstd:" + SCRIPT[:20]


def make_tree(root: Path) -> Path:
    """``root/static`` with text, binary, typed and precompressed files, an html folder,
    and a secret next to (outside) it."""
    static = root / "static"
    (static / "docs").mkdir(parents=True)
    (static / "plain").mkdir()
    (static / "hello.txt").write_bytes(HELLO)
    (static / "big.bin").write_bytes(BIG)
    (static / "app.js").write_bytes(SCRIPT)
    (static / "app.js.gz").write_bytes(gzip.compress(SCRIPT))
    (static / "app.js.br").write_bytes(SCRIPT_BR)
    (static / "app.js.zst").write_bytes(SCRIPT_ZST)
    for name in ("module.mjs", "code.wasm", "image.webp", "image.avif", "style.css"):
        (static / name).write_bytes(b"x")
    (static / "index.html").write_bytes(b"<h1>home</h1>")
    (static / "docs" / "index.html").write_bytes(b"<h1>docs</h1>")
    (static / "404.html").write_bytes(b"<h1>lost</h1>")
    (static / "plain" / "note.txt").write_bytes(b"note")
    (root / "secret.txt").write_bytes(b"TOP SECRET")
    return static


@dataclass
class Curled:
    status: int
    headers: dict[str, str]  # lower-cased names; the last of a repeated header
    body: bytes


def require(tool: str) -> str:
    """The path of ``tool``; skip the test without it (fail in CI, which installs it)."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed (.ci/run installs it in CI)")
        pytest.skip(f"{tool} is not installed")
    return path


def curl(url: str, *options: str, head: bool = False) -> Curled:
    """One request with curl (``--path-as-is``: the path goes out exactly as written)."""
    command = [require("curl"), "-sS", "--http1.1", "--path-as-is", "-D", "-", "-o", "-"]
    if head:
        command.append("-I")
        command.remove("-D")
        command.remove("-")
    result = subprocess.run([*command, *options, url], capture_output=True, timeout=30, check=True)
    head_text, _, body = result.stdout.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Curled(int(lines[0].split()[1]), headers, body)
