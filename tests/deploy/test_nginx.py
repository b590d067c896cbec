"""A real nginx, running deploy/nginx/squall.conf, in front of real Squall processes.

The shipped site config is the one tested: the test copies it, pointing only its upstream
``server`` lines, its ``listen`` port and its static root at what the test started (each
rewrite must match exactly once, so a changed config fails here instead of going untested).
nginx runs with its own prefix in ``tmp_path`` and ``daemon off``; every process is stopped
after the test, even on failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.server.serving import REPO, TEST_LOOP, wait_for_port, wait_until

SITE = Path(REPO) / "deploy" / "nginx" / "squall.conf"
APP = "tests.server.asgi_apps:scope_json"
PROXY_FLAGS = ("--proxy-headers", "--forwarded-allow-ips", "127.0.0.1")


def tool(name: str) -> str:
    path = shutil.which(name) or (
        f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None
    )
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is not installed (in CI it must be: .ci/run installs it)")
        pytest.skip(f"{name} is not installed")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def site_config(upstreams: list[int], listen: int, static_root: Path) -> str:
    """deploy/nginx/squall.conf with the test's ports and static directory."""
    text = SITE.read_text()
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in upstreams)
    rewrites = [
        (r"(    server 127\.0\.0\.1:\d+;\n)+", servers),
        (r"listen 80;", f"listen 127.0.0.1:{listen};"),
        (r"alias /srv/squall/static/;", f"alias {static_root}/;"),
    ]
    for pattern, replacement in rewrites:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"deploy/nginx/squall.conf: {pattern!r} matched {count} times"
    return text


def nginx_config(prefix: Path, site: str) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read tmp_path
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""


@contextlib.contextmanager
def nginx(tmp_path: Path, upstreams: list[int]) -> Iterator[str]:
    """nginx on a free port in front of ``upstreams``; yields its base URL."""
    prefix = tmp_path / "nginx"
    static = tmp_path / "static"
    prefix.mkdir()
    static.mkdir(exist_ok=True)
    port = free_port()
    with nginx_running(prefix, site_config(upstreams, port, static), port):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def nginx_running(prefix: Path, site: str, port: int) -> Iterator[None]:
    """nginx serving ``site`` (listening on ``port``) from ``prefix`` until the block ends."""
    binary = tool("nginx")
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(prefix, site))
    proc = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        yield
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


@dataclass
class Instance:
    proc: subprocess.Popen[bytes]
    port: int


@contextlib.contextmanager
def squall(tmp_path: Path, *args: str, app: str = APP) -> Iterator[Instance]:
    """A ``squall`` process on a free port (its output in a file: no pipe to fill)."""
    port = free_port()
    out = (tmp_path / f"squall-{port}.log").open("wb")
    command = [sys.executable, "-m", "squall", app, "--port", str(port), "--loop", TEST_LOOP]
    proc = subprocess.Popen(
        [*command, "--no-access-log", *args],
        cwd=REPO,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        yield Instance(proc, port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        out.close()


def scope_via(url: str, source: str = "127.0.0.1", **headers: str) -> dict[str, Any]:
    """GET ``url`` from ``source`` with ``headers`` (``x_forwarded_for`` -> X-Forwarded-For)."""
    transport = httpx.HTTPTransport(local_address=source)
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    with httpx.Client(transport=transport) as client:
        response = client.get(url, headers=named)
    assert response.status_code == 200, response.text
    scope: dict[str, Any] = response.json()
    return scope


def header(scope: dict[str, Any], name: str) -> str | None:
    return next((value for key, value in scope["headers"] if key == name), None)


def test_requests_pass_through_nginx_over_kept_alive_upstream_connections(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "hello.txt").write_text("served by nginx\n")
    with (
        squall(tmp_path) as first,
        squall(tmp_path) as second,
        nginx(tmp_path, [first.port, second.port]) as url,
    ):
        scopes = [scope_via(url + f"/path?n={n}") for n in range(8)]
        static = httpx.get(url + "/static/hello.txt")
    assert static.text == "served by nginx\n" and static.headers["server"].startswith("nginx")
    assert {scope["server"][1] for scope in scopes} == {first.port, second.port}
    for scope in scopes:
        assert scope["http_version"] == "1.1"  # proxy_http_version 1.1
        assert header(scope, "connection") is None  # no "close": the connection is kept
        assert header(scope, "x-forwarded-for") == "127.0.0.1"
        assert header(scope, "x-forwarded-proto") == "http"
        assert header(scope, "host") == url.removeprefix("http://")
    for port in (first.port, second.port):
        # four requests per instance, one nginx worker: one upstream connection each
        client_ports = {s["client"][1] for s in scopes if s["server"][1] == port}
        assert len(client_ports) == 1, client_ports


def test_a_websocket_echoes_through_nginx_to_the_workers(tmp_path: Path) -> None:
    # The site's upgrade map forwards Upgrade/Connection, so the handshake reaches Squall.
    echo = "tests.server.websocket.apps:echo"
    with (
        squall(tmp_path, "--workers", "2", app=echo) as instance,
        nginx(tmp_path, [instance.port]) as url,
        connect(url.replace("http://", "ws://") + "/ws?room=1", open_timeout=10) as socket,
    ):
        socket.send("hello")
        assert socket.recv(timeout=10) == "hello"
        socket.send(b"\x00\x01")
        assert socket.recv(timeout=10) == b"\x00\x01"
        socket.send("scope")
        scope = socket.recv(timeout=10)
    assert "'path': '/ws'" in scope and "b'room=1'" in scope


def test_the_real_client_address_reaches_the_app_and_spoofs_are_ignored(tmp_path: Path) -> None:
    args = (*PROXY_FLAGS, "--workers", "2")  # the stack the issue names: nginx -> workers
    with squall(tmp_path, *args) as instance, nginx(tmp_path, [instance.port]) as url:
        # The client (127.0.0.2) spoofs a hop; nginx (127.0.0.1, trusted) appends the client.
        proxied = scope_via(url + "/", source="127.0.0.2", x_forwarded_for="203.0.113.9")
        direct = scope_via(
            f"http://127.0.0.1:{instance.port}/",
            source="127.0.0.3",
            x_forwarded_for="203.0.113.9",
            x_forwarded_proto="https",
        )
    assert header(proxied, "x-forwarded-for") == "203.0.113.9, 127.0.0.2"
    assert proxied["client"][0] == "127.0.0.2"  # the right-most untrusted hop
    assert direct["client"][0] == "127.0.0.3"  # an untrusted peer's headers are ignored
    assert direct["scheme"] == "http"


def test_one_of_two_instances_stopped_gracefully_mid_run_fails_no_request(
    tmp_path: Path,
) -> None:
    wrk = tool("wrk")
    with (
        squall(tmp_path) as first,
        squall(tmp_path) as second,
        nginx(tmp_path, [first.port, second.port]) as url,
    ):
        seen = {scope_via(url + "/")["server"][1] for _ in range(4)}
        assert seen == {first.port, second.port}
        load = subprocess.Popen(
            [wrk, "-t1", "-c8", "-d4s", "--timeout", "10s", url + "/"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_until(lambda: established(first.port) > 0, "nginx's connections to Squall")
            first.proc.send_signal(signal.SIGTERM)
            assert first.proc.wait(30) == 0
            output, _ = load.communicate(timeout=30)
        finally:
            if load.poll() is None:
                load.kill()
                load.wait(10)
    match = re.search(r"(\d+) requests in", output)
    assert match and int(match.group(1)) > 100, output
    assert "Socket errors" not in output, output
    assert "Non-2xx" not in output, output


def established(port: int) -> int:
    """Established TCP connections to ``port`` (from /proc/net/tcp: no tool needed)."""
    wanted = f":{port:04X}"
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[1].endswith(wanted) and fields[3] == "01":
                    count += 1
    return count
