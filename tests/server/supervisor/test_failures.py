"""What the supervisor does when things go wrong: crash loops, taken ports, missing extras."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from squall.server import compiled
from squall.server.supervisor.workers import Backoff
from tests.server.serving import REPO, TEST_LOOP, cli_command, wait_until
from tests.server.supervisor.running import free_port, stop_group, supervised


def test_backoff_doubles_after_the_first_crash_and_is_capped() -> None:
    backoff = Backoff(base=0.1, cap=1.0, stable_after=10.0)
    delays = []
    for _ in range(7):
        backoff.record_crash(lifetime=0.5, now=100.0)
        delays.append(backoff.delay())
    assert delays == [0.0, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert not backoff.allows_start(100.5) and backoff.allows_start(101.0)
    backoff.record_crash(lifetime=60.0, now=200.0)  # a worker that lived long: a new streak
    assert backoff.delay() == 0.0 and backoff.allows_start(200.0)


def test_a_crash_loop_backs_off_and_is_logged(tmp_path: Path) -> None:
    app = "tests.server.supervisor.apps:crashing"
    with supervised(tmp_path, "--workers", "2", app=app) as running:
        running.wait_log(r"workers keep crashing \(\d+ in a row\): next start in 0\.8 s", 10)
        started = running.log().count("started worker")
        assert started < 14, f"{started} workers started: the loop spins"
        assert running.proc.poll() is None, "the supervisor gave up"


def test_workers_run_the_same_hot_path_and_loop_as_one_process(tmp_path: Path) -> None:
    app = "tests.server.supervisor.apps:runtime"
    with supervised(tmp_path, "--workers", "2", app=app) as running:
        completed = subprocess.run(
            ["curl", "-s", running.url], capture_output=True, text=True, timeout=10
        )
    expected_loop = "asyncio" if TEST_LOOP == "asyncio" else "uvloop"
    assert completed.stdout == f"{compiled.COMPILED} {expected_loop}"


def test_a_port_in_use_is_an_error_even_with_reuse_port(tmp_path: Path) -> None:
    with supervised(tmp_path, "--workers", "2") as running:
        command = cli_command("tests.server.supervisor.apps:app", "--port", str(running.port))
        result = subprocess.run(
            [*command, "--workers", "2", "--reuse-port"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=20,
        )
    assert result.returncode == 1
    assert f"cannot bind 127.0.0.1:{running.port}" in result.stderr


def test_reload_without_watchfiles_names_the_extra(tmp_path: Path) -> None:
    (tmp_path / "watchfiles.py").write_text("raise ImportError('not installed')\n")
    command = cli_command("tests.server.supervisor.apps:app", "--port", str(free_port()))
    result = subprocess.run(
        [*command, "--reload"],
        cwd=REPO,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 1
    assert "pip install 'squall[reload]'" in result.stderr


def test_workers_share_a_unix_socket_that_the_supervisor_removes_at_exit(tmp_path: Path) -> None:
    path = tmp_path / "squall.sock"
    command = cli_command("tests.server.supervisor.apps:app", "--uds", str(path), "--workers", "2")
    proc = subprocess.Popen(command, cwd=REPO, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        curl = ["curl", "-s", "--unix-socket", str(path), "http://squall/"]
        answers = lambda: subprocess.run(curl, capture_output=True).stdout.isdigit()  # noqa: E731
        wait_until(answers, "an answer on the Unix socket", 20, step=0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert not path.exists()
    finally:
        stop_group(proc)


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return bool(response.read().isdigit())
    except OSError:
        return False


def test_squall_run_with_workers_starts_the_supervisor(tmp_path: Path) -> None:
    port = free_port()
    script = (
        "import sys, squall.server as s; "
        f"sys.exit(s.run('tests.server.supervisor.apps:app', port={port}, workers=2, "
        f"loop={TEST_LOOP!r}))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        # A worker answers (the port alone may be the supervisor's socket, before any worker).
        wait_until(lambda: answers(port), "a worker's answer", 20, step=0.05)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
        assert proc.returncode == 0
        assert stderr.decode().count("started worker") == 2
    finally:
        stop_group(proc)
