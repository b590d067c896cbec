"""TLS with real certificates (trustme) and real clients: httpx, curl, ``openssl s_client``.

Every server here is started by the test (in-process on the test loop, or the ``squall`` CLI)
on a free port; outside CI a test whose client tool is missing is skipped, in CI it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from squall import App, Request
from squall.server.config import Config, ConfigError
from squall.server.tls import create_ssl_context
from tests.server.serving import (
    REPO,
    bound_socket,
    captured_errors,
    cli_command,
    connect,
    read_until_closed,
    serve,
    wait_for_port,
)

trustme = pytest.importorskip("trustme")


def require(tool: str) -> str:
    """The path of ``tool``; skip the test without it (fail in CI, which installs it)."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed (.ci/run installs it in CI)")
        pytest.skip(f"{tool} is not installed")
    return path


@dataclass
class Certificates:
    ca: Path  # the CA that signed both certificates (clients trust it; the server checks with it)
    cert: Path  # the server's certificate chain (for 127.0.0.1 and localhost)
    key: Path
    encrypted_key: Path  # the same key, encrypted with PASSWORD
    client: Path  # a client certificate and its key, in one file


PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    from cryptography.hazmat.primitives import serialization

    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = Certificates(
        folder / "ca.pem",
        folder / "cert.pem",
        folder / "key.pem",
        folder / "encrypted.pem",
        folder / "client.pem",
    )
    ca.cert_pem.write_to_path(str(paths.ca))
    for blob in server.cert_chain_pems:
        blob.write_to_path(str(paths.cert), append=True)
    server.private_key_pem.write_to_path(str(paths.key))
    key = serialization.load_pem_private_key(server.private_key_pem.bytes(), password=None)
    paths.encrypted_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )
    )
    ca.issue_cert("client@example.org").private_key_and_cert_chain_pem.write_to_path(
        str(paths.client)
    )
    return paths


def trusting(certs: Certificates, client_cert: bool = False) -> ssl.SSLContext:
    """A client context that trusts the test CA (and presents the client certificate)."""
    context = ssl.create_default_context(cafile=str(certs.ca))
    if client_cert:
        context.load_cert_chain(str(certs.client))
    return context


def tls_options(certs: Certificates, **extra: Any) -> dict[str, Any]:
    return {"ssl_certfile": str(certs.cert), "ssl_keyfile": str(certs.key), **extra}


async def echo_scope(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app answering with its scope's scheme, version and client."""
    if scope["type"] != "http":
        return
    body = json.dumps({"scheme": scope["scheme"], "http_version": scope["http_version"]})
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body.encode()})


framework = App()


@framework.post("/echo")
async def echo(request: Request, item: dict[str, int]) -> dict[str, Any]:
    return {"scheme": request.url.scheme, "url": str(request.url), "item": item}


# -- The context --------------------------------------------------------------------------------


def test_no_certificate_no_tls(certs: Certificates) -> None:
    assert create_ssl_context(Config(app="x:y")) is None
    with pytest.raises(ConfigError, match="--ssl-keyfile needs --ssl-certfile"):
        create_ssl_context(Config(app="x:y", ssl_keyfile=str(certs.key)))


def test_the_context_advertises_http11_and_checks_clients_as_asked(certs: Certificates) -> None:
    context = create_ssl_context(
        Config(app="x:y", **tls_options(certs, ssl_cert_reqs=2, ssl_ca_certs=str(certs.ca)))
    )
    assert context is not None and context.verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(ConfigError, match="needs --ssl-ca-certs"):
        create_ssl_context(Config(app="x:y", **tls_options(certs, ssl_cert_reqs=2)))
    with pytest.raises(ConfigError, match="--ssl-ciphers"):
        create_ssl_context(Config(app="x:y", **tls_options(certs, ssl_ciphers="NO-SUCH")))
    with pytest.raises(ConfigError, match="cannot read"):
        create_ssl_context(Config(app="x:y", ssl_certfile="/nonexistent.pem"))


# -- Clients --------------------------------------------------------------------------------------


def https(port: int, path: str = "/") -> str:
    return f"https://127.0.0.1:{port}{path}"


def test_httpx_over_tls_sees_https_in_the_scope(certs: Certificates) -> None:
    with (
        serve(echo_scope, **tls_options(certs)) as running,
        httpx.Client(verify=trusting(certs)) as client,
    ):
        for _ in range(3):  # one kept-alive connection
            response = client.get(https(running.port))
            assert response.json() == {"scheme": "https", "http_version": "1.1"}


def test_the_framework_over_tls(certs: Certificates) -> None:
    with serve(framework, **tls_options(certs)) as running:
        assert running.server.state is not None and running.server.state.native is not None
        with httpx.Client(verify=trusting(certs)) as client:
            response = client.post(https(running.port, "/echo"), json={"a": 1})
    assert response.status_code == 200
    assert response.json() == {
        "scheme": "https",
        "url": f"https://127.0.0.1:{running.port}/echo",
        "item": {"a": 1},
    }


def test_curl_with_the_ca(certs: Certificates) -> None:
    curl = require("curl")
    with serve(echo_scope, **tls_options(certs)) as running:
        url = https(running.port)
        trusted = subprocess.run(
            [curl, "-sS", "--cacert", str(certs.ca), url], capture_output=True, timeout=30
        )
        untrusted = subprocess.run([curl, "-sS", url], capture_output=True, timeout=30)
    assert trusted.returncode == 0, trusted.stderr
    assert json.loads(trusted.stdout)["scheme"] == "https"
    assert untrusted.returncode == 60, untrusted.stderr  # the peer's certificate is not trusted


def test_openssl_s_client_negotiates_http11_by_alpn(certs: Certificates) -> None:
    openssl = require("openssl")
    with serve(echo_scope, http="h1", **tls_options(certs)) as running:
        command = [openssl, "s_client", "-connect", f"127.0.0.1:{running.port}"]
        command += ["-CAfile", str(certs.ca), "-alpn", "h2,http/1.1"]
        result = subprocess.run(command, input=b"", capture_output=True, timeout=30)
    output = result.stdout.decode(errors="replace")
    assert "ALPN protocol: http/1.1" in output, output + result.stderr.decode(errors="replace")
    assert "Verify return code: 0 (ok)" in output


def test_client_certificates_when_required(certs: Certificates) -> None:
    options = tls_options(certs, ssl_cert_reqs=2, ssl_ca_certs=str(certs.ca))
    with captured_errors() as errors, serve(echo_scope, **options) as running:
        with httpx.Client(verify=trusting(certs, client_cert=True)) as client:
            assert client.get(https(running.port)).json()["scheme"] == "https"
        with httpx.Client(verify=trusting(certs)) as client, pytest.raises(httpx.TransportError):
            client.get(https(running.port))
    assert not errors.records, errors.messages()


# -- The CLI -------------------------------------------------------------------------------------


@dataclass
class CliServer:
    proc: subprocess.Popen[bytes]
    port: int
    output: str = ""  # what it printed, once it has stopped


@contextlib.contextmanager
def squall_cli(*args: str) -> Iterator[CliServer]:
    """``squall`` on a free port; stopped with SIGTERM (its output kept) after the block."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    command = cli_command(f"{__name__}:echo_scope", "--port", str(port), *args)
    proc = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = CliServer(proc, port)
    try:
        wait_for_port(port, proc)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate(timeout=10)
        server.output = out.decode(errors="replace")


def test_encrypted_key_with_its_password(certs: Certificates) -> None:
    args = ["--ssl-certfile", str(certs.cert), "--ssl-keyfile", str(certs.encrypted_key)]
    with squall_cli(*args, "--ssl-keyfile-password", PASSWORD) as server:
        response = httpx.get(https(server.port), verify=trusting(certs))
        assert response.json()["scheme"] == "https"
    assert f"Squall running on https://127.0.0.1:{server.port}" in server.output
    wrong = subprocess.run(
        cli_command(f"{__name__}:echo_scope", *args, "--ssl-keyfile-password", "wrong"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert wrong.returncode == 1
    assert "cannot load the TLS certificate/key" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_plain_http_and_stalled_handshakes_are_dropped_quietly(certs: Certificates) -> None:
    """A plain-HTTP request on the TLS port is closed; a connection that never starts its
    handshake is closed after --timeout-ssl-handshake; neither leaves a traceback."""
    args = ["--ssl-certfile", str(certs.cert), "--ssl-keyfile", str(certs.key)]
    with squall_cli(*args, "--timeout-ssl-handshake", "0.5") as server:
        address = ("127.0.0.1", server.port)
        with socket.create_connection(address, timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
            answer = read_until_closed(sock, limit=5)
        assert b"HTTP/1.1" not in answer
        started = time.monotonic()
        with socket.create_connection(address, timeout=5) as sock:
            assert read_until_closed(sock, limit=5) == b""
        assert 0.4 <= time.monotonic() - started < 4
        response = httpx.get(https(server.port), verify=trusting(certs))  # still serving
        assert response.status_code == 200
    assert "Traceback" not in server.output, server.output
    assert "Error" not in server.output and "error" not in server.output, server.output


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_stalled_handshakes_and_plain_http_on_each_loop(
    certs: Certificates, loop: str, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip(loop)
    options = tls_options(certs, timeout_ssl_handshake=0.3, timeout_headers=30.0, loop=loop)
    with captured_errors() as errors, serve(echo_scope, **options) as running:
        started = time.monotonic()
        with connect(running) as sock:
            sock.sendall(b"\x16\x03\x01")  # the start of a ClientHello, and then nothing
            assert read_until_closed(sock, limit=5) == b""
        elapsed = time.monotonic() - started
        with connect(running) as sock:  # plain HTTP to the TLS port
            sock.sendall(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
            assert b"HTTP/1.1" not in read_until_closed(sock, limit=5)
        with httpx.Client(verify=trusting(certs)) as client:
            assert client.get(https(running.port)).status_code == 200
    assert 0.2 <= elapsed < 3, elapsed
    assert not errors.records, errors.messages()
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")], caplog.text
