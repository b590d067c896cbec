"""``squall --reload``: an edited module is served, a syntax error waits for the next edit."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.server.serving import wait_until
from tests.server.supervisor.running import supervised

MODULE = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = {body!r}
    await send({{"type": "http.response.start", "status": 200, "headers": []}})
    await send({{"type": "http.response.body", "body": body}})
"""


def write_app(path: Path, body: bytes) -> None:
    path.write_text(MODULE.format(body=body))


def body_of(url: str) -> bytes | None:
    try:
        return httpx.get(url, timeout=2).content
    except httpx.TransportError:
        return None


def test_reload_serves_edits_and_survives_a_syntax_error(tmp_path: Path) -> None:
    module = tmp_path / "reloaded_app.py"
    write_app(module, b"first")
    args = ("--reload", "--app-dir", str(tmp_path), "--reload-dir", str(tmp_path))
    with supervised(tmp_path, *args, app="reloaded_app:app") as running:
        assert body_of(running.url) == b"first"

        edited_at = time.monotonic()
        write_app(module, b"second")
        wait_until(lambda: body_of(running.url) == b"second", "the edited app", 5)
        assert time.monotonic() - edited_at < 2.0
        assert "reloaded_app.py: reloading" in running.log()

        module.write_text("def app(:\n")
        running.wait_log("the app failed to start: waiting for a file change", limit=5)
        assert "SyntaxError" in running.log()
        assert running.proc.poll() is None, "the supervisor died"

        write_app(module, b"third")
        wait_until(lambda: body_of(running.url) == b"third", "the fixed app", 5)

        (tmp_path / "notes.txt").write_text("not a module: no reload")
        (tmp_path / "other.py").write_text("x = 1\n")
        running.wait_log(r"other\.py: reloading")
        assert "notes.txt" not in running.log()


def test_reload_exclude_and_include_globs(tmp_path: Path) -> None:
    module = tmp_path / "globbed_app.py"
    write_app(module, b"one")
    args = (
        "--reload",
        "--app-dir",
        str(tmp_path),
        "--reload-dir",
        str(tmp_path),
        "--reload-include",
        "*.txt",
        "--reload-exclude",
        "skip*",
    )
    with supervised(tmp_path, *args, app="globbed_app:app") as running:
        (tmp_path / "skip.txt").write_text("excluded")
        write_app(module, b"two")  # *.py is not included any more
        (tmp_path / "templates.txt").write_text("included")
        running.wait_log(r"templates\.txt: reloading")
        assert "skip.txt" not in running.log()
        assert "globbed_app.py" not in running.log()
        wait_until(lambda: body_of(running.url) == b"two", "the reloaded app", 5)
