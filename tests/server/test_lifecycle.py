"""Lifespan, graceful shutdown on signals, and the command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import httpx
import pytest

from tests.server import asgi_apps
from tests.server.serving import (
    REPO,
    TEST_LOOP,
    bound_socket,
    cli_command,
    read_head,
    read_response,
    serve,
    serve_subprocess,
    wait_until,
)


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
        cli_command(*args), cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
    except OSError:
        return False
    return True


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
            socks = [socket.create_connection(("127.0.0.1", port), 5) for _ in range(5)]
            for sock in socks:
                sock.sendall(b"GET /head-then-slow?1 HTTP/1.1\r\nHost: x\r\n\r\n")
            for sock in socks:
                read_head(sock)  # all five are in the app now
            proc.send_signal(signal.SIGTERM)
            wait_until(lambda: not accepts(port), "the server to stop accepting")
            responses = [read_response(sock) for sock in socks]
            for sock in socks:
                sock.close()
            assert proc.wait(10) == 0
    finally:
        del os.environ["SQUALL_TEST_MARKER"]
    assert [(r.status, r.body) for r in responses] == [(200, b"slow done")] * 5  # none lost
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
    with (
        serve_subprocess("tests.server.asgi_apps:router", "--timeout-graceful-shutdown", "0.5") as (
            proc,
            port,
        ),
        socket.create_connection(("127.0.0.1", port), 5) as sock,
    ):
        sock.sendall(b"GET /head-then-slow?30 HTTP/1.1\r\nHost: x\r\n\r\n")
        read_head(sock)  # the request is in the app
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert time.monotonic() - started < 5
        with pytest.raises(ConnectionError):
            read_response(sock)  # that request was cut off, as configured


def test_serve_runs_on_the_loop_the_tests_ask_for() -> None:
    with serve(asgi_apps.router) as running:
        module = httpx.get(running.url + "/loop").text
    assert module.startswith("uvloop") == (TEST_LOOP != "asyncio"), module


def test_the_cli_serves_on_the_loop_the_tests_ask_for() -> None:
    with serve_subprocess("tests.server.asgi_apps:router") as (_, port):
        module = httpx.get(f"http://127.0.0.1:{port}/loop").text
    assert module.startswith("uvloop") == (TEST_LOOP != "asyncio"), module


def test_unix_socket_and_factory_and_root_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "squall.sock")
    proc = subprocess.Popen(
        cli_command(
            "tests.server.asgi_apps:scope_factory", "--factory", "--uds", path,
            "--root-path", "/prefix",
        ),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until(lambda: os.path.exists(path) or proc.poll() is not None, "the unix socket")
        transport = httpx.HTTPTransport(uds=path)
        with httpx.Client(transport=transport, base_url="http://squall") as client:
            scope = client.get("/x/y?z=1").json()  # scope_json: the factory's app ran
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
    assert scope["root_path"] == "/prefix"
    assert scope["path"] == "/prefix/x/y"
    assert scope["query_string"] == "z=1"
    assert not os.path.exists(path)  # removed at shutdown


def test_root_path_is_in_the_scope() -> None:
    with serve(asgi_apps.scope_json, root_path="/prefix") as running:
        scope = httpx.get(running.url + "/x").json()
    assert scope["root_path"] == "/prefix"
    assert scope["path"] == "/prefix/x"
