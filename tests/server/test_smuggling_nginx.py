"""The smuggling corpus through nginx in front of Squall: they never disagree on where a request ends.

nginx (started by the test, its config and logs in a tmp dir) proxies to a Squall server with
HTTP/1.1 and an upstream keepalive pool of one connection, in one worker: every request it
forwards travels on the same upstream connection while Squall keeps it open, which is where a
desync would show.  For each case of smuggling_corpus.py:

1. a client sends the case to nginx, then a client marker that closes its connection;
2. every answer the client got from Squall's app (it names the request's index in the app's
   record) must be one of the requests the app saw, and every request the app saw must have
   been answered to the client: no request nginx did not forward, none lost;
3. then the upstream marker is sent on a new client connection: nginx forwards it on the kept
   upstream connection, and Squall's app must see exactly it, answered to that client.  A
   prefix smuggled past nginx by the case would change it (or its answer) here.

nginx's error log must not report an upstream that sent more (or other) than it framed.
Skipped when nginx is missing outside CI; .ci/run installs nginx-light under CI=true.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.test_nginx import free_port, nginx_running, tool
from tests.server.serving import read_until_closed, serve
from tests.server.smuggling_corpus import CASES, Case, Request
from tests.server.smuggling_probe import MARKER, MARKER_REQUEST, RecordingApp, answers

CLIENT_MARKER = b"GET /client-marker HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n"
# What in nginx's error log would mean it and Squall framed a response differently.
DESYNC_SIGNS = ("upstream sent more data", "upstream sent invalid", "upstream prematurely")


def site(listen: int, upstream: int, buffering: str) -> str:
    # Short timeouts: a case nginx waits on (an unfinished body) ends in seconds, not minutes.
    return f"""
    upstream squall {{
        server 127.0.0.1:{upstream};
        keepalive 1;
    }}
    server {{
        listen 127.0.0.1:{listen};
        client_header_timeout 2s;
        client_body_timeout 2s;
        keepalive_timeout 3s;
        location / {{
            proxy_pass http://squall;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_request_buffering {buffering};
            proxy_read_timeout 3s;
        }}
    }}
"""


@dataclass
class Proxied:
    port: int
    app: RecordingApp
    error_log: Path


@pytest.fixture(scope="module", params=["on", "off"], ids=["buffered", "streamed"])
def proxied(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxied]:
    """Squall with a recording app, and nginx in front (request bodies buffered or not)."""
    tool("nginx")
    prefix = tmp_path_factory.mktemp(f"nginx-{request.param}")
    app = RecordingApp()
    with serve(app) as squall:
        port = free_port()
        with nginx_running(prefix, site(port, squall.port, request.param), port):
            yield Proxied(port, app, prefix / "error.log")


def send(port: int, data: bytes) -> bytes:
    """``data`` to nginx on a new connection; all it answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with contextlib.suppress(ConnectionError):
            sock.sendall(data)
        return read_until_closed(sock, limit=10)


def answered_indices(stream: bytes) -> list[int]:
    """The record indices the app's answers in ``stream`` carry, in order."""
    return [a.recorded_as for a in answers(stream) if a.recorded_as is not None]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_nginx_and_squall_agree_where_each_request_ends(proxied: Proxied, case: Case) -> None:
    app = proxied.app
    app.seen.clear()
    log_size = _size(proxied.error_log)
    stream = send(proxied.port, case.raw + CLIENT_MARKER)
    seen = list(app.seen)
    assert sorted(answered_indices(stream)) == list(range(len(seen))), (
        f"{case.name}: Squall's app saw {seen}; the client got {answers(stream)}: {stream[-400:]!r}"
    )
    marker_stream = send(proxied.port, MARKER)
    after = app.seen[len(seen) :]
    assert after == [MARKER_REQUEST], f"{case.name}: after the case, Squall saw {after}"
    assert answered_indices(marker_stream) == [len(seen)]
    new_log = _read_from(proxied.error_log, log_size)
    assert not any(sign in new_log for sign in DESYNC_SIGNS), f"{case.name}: {new_log}"


def test_nginx_forwards_the_requests_of_a_plain_pipeline(proxied: Proxied) -> None:
    # The check above can fail: it counts what the app answered through nginx.
    proxied.app.seen.clear()
    data = b"POST /a HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\n\r\nhello" + CLIENT_MARKER
    stream = send(proxied.port, data)
    assert proxied.app.seen == [
        Request("POST", b"/a", b"hello"),
        Request("GET", b"/client-marker"),
    ]
    assert answered_indices(stream) == [0, 1]


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _read_from(path: Path, offset: int) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace")
