"""``gunicorn -k squall.workers.SquallWorker``: real Gunicorn arbiters, real workers, real clients.

Each test starts ``python -m gunicorn`` on a free port with its error log in a file (the
readiness signals: "Booting worker", Squall's "running on" line) and stops its process group.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("gunicorn")

from gunicorn.config import Config as GunicornConfig

from squall.workers import config_from_gunicorn
from tests.server.serving import REPO, bound_socket, wait_until

APP = "tests.server.test_gunicorn:pid_app"
WORKER = "squall.workers.SquallWorker"


async def pid_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the worker's pid (``/scheme``: the scope's scheme); ``/slow`` after a
    second, ``/block`` stalls the loop."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        import asyncio

        await asyncio.sleep(1.0)
    elif scope["path"] == "/block":
        time.sleep(30)  # a stuck event loop: no heartbeat
    body = scope["scheme"].encode() if scope["path"] == "/scheme" else str(os.getpid()).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@dataclass
class Arbiter:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def count(self, needle: str) -> int:
        return self.log_text().count(needle)

    def wait_for(self, needle: str, times: int = 1, limit: float = 20.0) -> None:
        wait_until(
            lambda: self.count(needle) >= times or self.proc.poll() is not None,
            f"{times} x {needle!r} in the gunicorn log",
            limit=limit,
        )
        assert self.count(needle) >= times, self.log_text()


@contextlib.contextmanager
def gunicorn(tmp_path: Path, *args: str, workers: int = 1) -> Iterator[Arbiter]:
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-k",
        WORKER,
        "-w",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--error-logfile",
        str(log),
        "--log-level",
        "info",
        *args,
        APP,
    ]
    proc = subprocess.Popen(command, cwd=REPO, start_new_session=True)
    arbiter = Arbiter(proc, port, log)
    try:
        arbiter.wait_for("Squall running on", times=workers)
        yield arbiter
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def test_gunicorn_settings_map_to_squall_config() -> None:
    cfg = GunicornConfig()
    for name, value in [
        ("keepalive", 7),
        ("graceful_timeout", 12),
        ("limit_request_line", 1000),
        ("limit_request_fields", 20),
        ("limit_request_field_size", 40000),
        ("backlog", 64),
        ("accesslog", "-"),
    ]:
        cfg.set(name, value)
    config = config_from_gunicorn(cfg, "app:app", access_log_json=True)
    assert (config.timeout_keep_alive, config.timeout_graceful_shutdown) == (7, 12)
    assert (config.max_request_line_size, config.max_header_count) == (1000, 20)
    assert (config.max_header_size, config.backlog) == (40000, 64)
    assert config.access_log and config.access_log_json
    defaults = config_from_gunicorn(GunicornConfig(), "app:app")
    assert defaults.max_header_size == 16384  # gunicorn's 8190 per field: the whole head 16 KiB
    assert not defaults.access_log


def test_two_workers_serve_and_honour_the_request_line_limit(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "--limit-request-line", "200", workers=2) as arbiter:
        assert arbiter.count("Booting worker with pid") == 2
        with httpx.Client() as client:
            response = client.get(arbiter.url + "/")
            assert response.status_code == 200 and response.text.isdigit()
            worker_pids = {
                int(p) for p in re.findall(r"Booting worker with pid: (\d+)", arbiter.log_text())
            }
            assert int(response.text) in worker_pids
            assert client.get(arbiter.url + "/" + "x" * 300).status_code == 414


def test_max_requests_recycles_the_worker(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "--max-requests", "5") as arbiter, httpx.Client() as client:
        first = {client.get(arbiter.url + "/").text for _ in range(5)}
        arbiter.wait_for("Booting worker with pid", times=2)
        arbiter.wait_for("Squall running on", times=2)
        second = client.get(arbiter.url + "/").text
    assert len(first) == 1 and second not in first
    assert "served 5 requests (max_requests)" in arbiter.log_text()


def test_a_stuck_event_loop_misses_the_heartbeat_and_is_replaced(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "--timeout", "2") as arbiter:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(arbiter.url + "/block", timeout=10)
        arbiter.wait_for("WORKER TIMEOUT", limit=15)
        arbiter.wait_for("Squall running on", times=2)
        assert httpx.get(arbiter.url + "/").status_code == 200


def test_a_healthy_worker_outlives_the_timeout(tmp_path: Path) -> None:
    with gunicorn(tmp_path, "--timeout", "1") as arbiter:
        pid = httpx.get(arbiter.url + "/").text
        deadline = time.monotonic() + 3  # three timeouts: the heartbeat must keep it alive
        while time.monotonic() < deadline:
            assert httpx.get(arbiter.url + "/").text == pid
    assert "WORKER TIMEOUT" not in arbiter.log_text()


def test_sigterm_lets_requests_in_flight_finish(tmp_path: Path) -> None:
    results: list[httpx.Response] = []
    with gunicorn(tmp_path) as arbiter:
        thread = threading.Thread(
            target=lambda: results.append(httpx.get(arbiter.url + "/slow", timeout=10))
        )
        thread.start()
        wait_until(lambda: _connected(arbiter.port), "the slow request's connection")
        arbiter.proc.send_signal(signal.SIGTERM)
        thread.join(10)
        assert arbiter.proc.wait(15) == 0
    assert [r.status_code for r in results] == [200]


def _connected(port: int) -> bool:
    out = (
        subprocess.run(
            ["ss", "-tnH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
        ).stdout
        if shutil.which("ss")
        else "x"
    )
    return bool(out.strip())


def test_a_failing_app_import_stops_gunicorn(tmp_path: Path) -> None:
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            WORKER,
            "--bind",
            f"127.0.0.1:{port}",
            "tests.server.test_gunicorn:no_such_app",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "no_such_app" in result.stderr


def test_gunicorns_tls_settings_serve_https(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1")
    cert_file, key_file, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    authority.cert_pem.write_to_path(str(ca_file))
    args = ("--certfile", str(cert_file), "--keyfile", str(key_file))
    with gunicorn(tmp_path, *args) as arbiter:
        trusted = ssl.create_default_context(cafile=str(ca_file))
        response = httpx.get(f"https://127.0.0.1:{arbiter.port}/scheme", verify=trusted)
        assert response.status_code == 200
        assert response.text == "https"


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is not installed (in CI it must be: .ci/run installs it)")
        pytest.skip("wrk is not installed")
    return path


def test_sighup_replaces_the_workers_under_load_without_errors(tmp_path: Path) -> None:
    wrk = wrk_path()
    with gunicorn(tmp_path, "--graceful-timeout", "5", workers=2) as arbiter:
        load = subprocess.Popen(
            [wrk, "-t1", "-c8", "-d4s", "--timeout", "10s", arbiter.url + "/"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_until(lambda: _connected(arbiter.port), "wrk's connections")
            old = httpx.get(arbiter.url + "/").text
            arbiter.proc.send_signal(signal.SIGHUP)
            arbiter.wait_for("Squall running on", times=4)
            output, _ = load.communicate(timeout=30)
        finally:
            if load.poll() is None:
                load.kill()
        new = {httpx.get(arbiter.url + "/").text for _ in range(4)}
    assert old not in new
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    assert requests > 100, output
    assert "Socket errors" not in output, output
    assert "Non-2xx" not in output, output
