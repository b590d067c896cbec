"""The server's side of failures before serving: the app's import and its lifespan startup."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest

from squall.server import Config, Server
from tests.server.serving import REPO, bound_socket, captured_errors


def run_briefly(
    app: Any, loop: str = "auto", limit: float = 10
) -> tuple[Server, BaseException | None]:
    """Run a server for ``app`` that must stop by itself; it and what ``run`` raised."""
    sock = bound_socket()
    sock.listen(8)
    server = Server(Config(app=app, access_log=False, loop=loop))
    raised: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    serving = thread.is_alive()
    if serving:
        server.should_exit = True
        thread.join(10)
    sock.close()
    assert not serving, "the server went on serving"
    return server, raised[0] if raised else None


class FailingStartup:
    """Speaks the lifespan protocol, and raises during its startup (sending nothing)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        await receive()
        raise self.error


def test_an_app_raising_during_its_startup_is_not_served() -> None:
    with captured_errors() as errors:
        server, raised = run_briefly(FailingStartup(RuntimeError("cache unreachable")))
    assert raised is None
    assert server.exit_code == 1
    assert "RuntimeError: cache unreachable" in errors.tracebacks()


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
@pytest.mark.parametrize("error", [SystemExit(3), KeyboardInterrupt()], ids=repr)
def test_system_exit_and_interrupts_in_the_lifespan_propagate(
    error: BaseException, loop: str
) -> None:
    _, raised = run_briefly(FailingStartup(error), loop)
    assert raised is error


def test_an_app_failing_at_import_shows_its_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken_app.py").write_text(
        "def read_settings():\n"
        "    raise KeyError('DATABASE_URL')\n"
        "\n"
        "settings = read_settings()\n"
        "app = None\n"
    )
    port = bound_socket().getsockname()[1]
    command = [sys.executable, "-m", "squall", "broken_app:app", "--app-dir", str(tmp_path)]
    result = subprocess.run(
        [*command, "--port", str(port)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert 'broken_app.py", line 2, in read_settings' in result.stderr
    assert "KeyError: 'DATABASE_URL'" in result.stderr
