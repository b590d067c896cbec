"""Lifespan, graceful shutdown on signals, and the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.server import asgi_apps
from tests.server.serving import REPO, bound_socket, serve, serve_subprocess


def test_lifespan_state_reaches_requests_and_shutdown_runs(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "events"
    monkeypatch.setenv("SQUALL_TEST_MARKER", str(marker))
    with serve(asgi_apps.Lifespan()) as running:
        assert httpx.get(running.url + "/state").text == "hi"
        assert not marker.exists()
    assert marker.read_text() == "shutdown\n"


def test_an_app_without_lifespan_support_is_served_anyway() -> None:
    async def http_only(scope, receive, send):  # type: ignore[no-untyped-def]
        assert scope["type"] == "http"  # raises on the lifespan scope
        await asgi_apps.router(scope, receive, send)

    with serve(http_only) as running:
        assert httpx.get(running.url).text == "hello"


def test_lifespan_off_skips_it() -> None:
    with serve(asgi_apps.Lifespan(), lifespan="off") as running:
        assert httpx.get(running.url + "/state").text == "none"


def run_cli(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "squall", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_failed_lifespan_startup_exits_with_1() -> None:
    port = bound_socket().getsockname()[1]
    result = run_cli("tests.server.asgi_apps:failing_startup_app", "--port", str(port))
    assert result.returncode == 1
    assert "no database" in result.stderr


def test_a_bad_app_path_exits_with_a_clear_message() -> None:
    result = run_cli("tests.server.asgi_apps:missing")
    assert result.returncode == 1
    assert "missing" in result.stderr
    result = run_cli("no_such_module:app")
    assert result.returncode == 1
    assert "no_such_module" in result.stderr


def test_help_lists_the_uvicorn_flags() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for flag in (
        "--host", "--port", "--uds", "--fd", "--loop", "--http", "--log-level", "--access-log",
        "--no-access-log", "--root-path", "--limit-concurrency", "--timeout-keep-alive",
        "--timeout-graceful-shutdown", "--factory", "--app-dir",
    ):  # fmt: skip
        assert flag in result.stdout


def test_sigterm_finishes_requests_in_flight_then_exits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "events"
    os.environ["SQUALL_TEST_MARKER"] = str(marker)
    try:
        with serve_subprocess("tests.server.asgi_apps:lifespan_app") as (proc, port):
            url = f"http://127.0.0.1:{port}"
            results: list[tuple[int, str]] = []

            def slow() -> None:
                response = httpx.get(url + "/slow?1", timeout=10)
                results.append((response.status_code, response.text))

            threads = [threading.Thread(target=slow) for _ in range(5)]
            for thread in threads:
                thread.start()
            time.sleep(0.4)  # all five are in the app now
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.2)
            with pytest.raises(httpx.ConnectError):
                httpx.get(url, timeout=2)  # no longer accepting
            for thread in threads:
                thread.join(10)
            assert proc.wait(10) == 0
    finally:
        del os.environ["SQUALL_TEST_MARKER"]
    assert results == [(200, "slow done")] * 5  # none lost
    assert marker.read_text() == "shutdown\n"


def test_idle_keep_alive_connections_are_closed_at_shutdown() -> None:
    with serve_subprocess("tests.server.asgi_apps:router") as (proc, port):
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        assert client.get("/").text == "hello"  # the connection stays open in the pool
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
        assert time.monotonic() - started < 5
        client.close()


def test_graceful_shutdown_gives_up_after_its_timeout() -> None:
    with serve_subprocess(
        "tests.server.asgi_apps:router", "--timeout-graceful-shutdown", "0.5"
    ) as (proc, port):
        errors: list[Exception] = []

        def very_slow() -> None:
            try:
                httpx.get(f"http://127.0.0.1:{port}/slow?30", timeout=20)
            except httpx.HTTPError as exc:
                errors.append(exc)

        thread = threading.Thread(target=very_slow)
        thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert time.monotonic() - started < 5
        thread.join(10)
        assert len(errors) == 1  # that request was cut off, as configured


def test_unix_socket_and_factory_and_root_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "squall.sock")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "squall", "tests.server.asgi_apps:factory", "--factory",
            "--uds", path, "--root-path", "/prefix",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        transport = httpx.HTTPTransport(uds=path)
        with httpx.Client(transport=transport, base_url="http://squall") as client:
            assert client.get("/").text == "hello"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
    assert not os.path.exists(path)  # removed at shutdown


def test_root_path_is_in_the_scope() -> None:
    with serve(asgi_apps.scope_json, root_path="/prefix") as running:
        scope = httpx.get(running.url + "/x").json()
    assert scope["root_path"] == "/prefix"
    assert scope["path"] == "/prefix/x"
