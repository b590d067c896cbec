"""``squall --workers``: serving from every worker, replacing dead and stuck ones, scaling."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.server.serving import REPO, cli_command, wait_until
from tests.server.supervisor.running import (
    Supervised,
    free_port,
    pids_answering,
    stop_group,
    supervised,
    wrk_running,
)


def test_two_workers_both_serve(tmp_path: Path) -> None:
    with supervised(tmp_path, "--workers", "2", ready=2) as running:
        workers = set(running.started_pids())
        assert len(workers) == 2
        assert os.getpid() not in workers and running.proc.pid not in workers
        assert pids_answering(running, workers) == workers


def test_a_killed_worker_is_replaced_within_a_second_under_load(tmp_path: Path) -> None:
    with supervised(tmp_path, "--workers", "2", ready=2) as running:
        with wrk_running(running.url, seconds=3) as wrk:
            victim = running.pid()
            os.kill(victim, signal.SIGKILL)
            killed_at = time.monotonic()
            wait_until(lambda: len(running.ready_pids()) == 3, "a replacement worker", 5)
            (replacement,) = set(running.ready_pids()) - set(running.started_pids()[:2])
            pids_answering(running, {replacement}, limit=5)
            elapsed = time.monotonic() - killed_at
            assert wrk.result().requests > 0
        assert elapsed < 1.0, f"the replacement answered {elapsed:.2f} s after the kill"
        assert running.proc.poll() is None, "the supervisor died"
        assert f"worker [{victim}] died (killed by SIGKILL)" in running.log()


def test_a_worker_with_a_stuck_event_loop_is_replaced(tmp_path: Path) -> None:
    args = ("--workers", "2", "--timeout-worker-healthcheck", "1")
    with supervised(tmp_path, *args, ready=2) as running:
        # /block stalls one worker's loop for 5 s: its heartbeats stop.
        blocked = subprocess.Popen(["curl", "-s", running.url + "/block"])
        try:
            running.wait_log(r"worker \[\d+\] sent no heartbeat for", limit=5)
            (stuck,) = re.findall(r"worker \[(\d+)\] sent no heartbeat", running.log())
            # Killed before its 5 s sleep ends: SIGTERM cannot be handled by a stuck loop.
            running.wait_log(rf"worker \[{stuck}\] exited \(killed by SIGKILL\)", limit=5)
        finally:
            blocked.kill()
            blocked.wait()
        wait_for_workers(running, 2)
        assert int(stuck) not in running.live_pids()
        assert pids_answering(running, running.live_pids()) == running.live_pids()
        assert running.proc.poll() is None


def wait_for_workers(running: Supervised, count: int) -> None:
    wait_until(lambda: len(running.live_pids()) == count, f"{count} live workers", 10)


def test_ttin_and_ttou_change_the_number_of_workers(tmp_path: Path) -> None:
    with supervised(tmp_path, "--workers", "2", ready=2) as running:
        running.proc.send_signal(signal.SIGTTIN)
        wait_until(lambda: len(running.live_pids()) == 3, "a third worker", 10)
        assert pids_answering(running, running.live_pids()) == running.live_pids()
        # One at a time: two signals of a kind sent together may arrive as one.
        for left in (2, 1):
            running.proc.send_signal(signal.SIGTTOU)
            wait_for_workers(running, left)
        assert running.pid() in running.live_pids()


def run_to_exit(*args: str, limit: float = 20) -> subprocess.CompletedProcess[str]:
    command = cli_command(*args[:1], "--port", str(free_port()), *args[1:])
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=limit)


def test_a_lifespan_startup_failure_stops_everything() -> None:
    started = time.monotonic()
    result = run_to_exit("tests.server.supervisor.apps:failing_startup", "--workers", "2")
    assert result.returncode == 1
    assert time.monotonic() - started < 10
    assert "no database here" in result.stderr
    assert "could not start the app" in result.stderr
    assert result.stderr.count("started worker") == 2, "no restart loop"


def test_an_app_that_fails_to_import_stops_everything() -> None:
    result = run_to_exit("tests.server.supervisor.broken_import:app", "--workers", "2")
    assert result.returncode == 1
    assert "this module cannot be imported" in result.stderr
    assert result.stderr.count("started worker") == 2, "no restart loop"


def test_reload_with_several_workers_is_a_clear_error() -> None:
    result = run_to_exit("tests.server.supervisor.apps:app", "--workers", "2", "--reload")
    assert result.returncode == 1
    assert "--reload runs one worker: it cannot be used with --workers > 1" in result.stderr
    assert "started worker" not in result.stderr


def test_a_worker_stuck_in_lifespan_startup_is_replaced(tmp_path: Path) -> None:
    app = "tests.server.supervisor.apps:stuck_startup"
    port = str(free_port())
    command = cli_command(
        app, "--port", port, "--workers", "2", "--timeout-worker-healthcheck", "1"
    )
    log_path = tmp_path / "squall.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=log, start_new_session=True)
    try:
        pattern = r"worker \[\d+\] sent no heartbeat for .*\n(.|\n)*started worker \[\d+\]"
        wait_until(lambda: re.search(pattern, log_path.read_text()), "a stuck start replaced", 10)
        assert proc.poll() is None, "the supervisor gave up"
    finally:
        stop_group(proc)


@pytest.mark.parametrize("mode", ["--balance", "--reuse-port", "--no-balance"])
def test_every_accept_mode_serves_tls(tmp_path: Path, mode: str) -> None:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1")
    cert_file, ca_file = tmp_path / "cert.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    authority.cert_pem.write_to_path(str(ca_file))
    tls = ("--ssl-certfile", str(cert_file), "--ssl-keyfile", str(cert_file))
    with supervised(tmp_path, "--workers", "2", mode, *tls, ready=2, probe=False) as running:
        url = running.url.replace("http://", "https://")
        trusted = ssl.create_default_context(cafile=str(ca_file))
        with httpx.Client(verify=trusted, timeout=5) as client:
            answers = {client.get(url, headers={"connection": "close"}).text for _ in range(8)}
        assert answers <= {str(pid) for pid in running.started_pids()}
