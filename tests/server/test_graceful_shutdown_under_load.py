"""SIGTERM while ~50 keep-alive clients send requests: no accepted request is lost.

The server runs as ``python -m squall`` (one process, and a supervisor with two workers).
Each client thread sends requests one after another on a keep-alive connection (plain GETs,
POSTs with a body, GETs of a 200 ms endpoint) and logs each one's fate.  The app logs the id
of every request it starts on (``load_apps.py``).  After SIGTERM:

- every request the app started on got a complete response;
- a request failed only with no byte of a response (its connection closed before the server
  read it: an idle keep-alive connection closed at shutdown, or a refused new connection);
- no client ever sees part of a response;
- the server exits 0 within the graceful timeout.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.server import asgi_apps
from tests.server.serving import (
    PieceSender,
    connect,
    join_all,
    read_response,
    read_until_closed,
    serve,
    serve_subprocess,
    server_state,
    wait_until,
)

CLIENTS = 50
GRACE = 5.0
BODY = b"b" * 3000
LOAD_BEFORE_SIGNAL = 150  # responses received before SIGTERM


class Truncated(Exception):
    """Part of a response arrived, then the connection ended: never acceptable."""


@dataclass
class Ledger:
    """Every request sent and how it ended, across the client threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    answered: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)  # closed with no byte of a response
    truncated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def note(self, request_id: str, outcome: str) -> None:
        with self.lock:
            if outcome == "answered":
                self.answered.add(request_id)
            elif outcome == "unanswered":
                self.unanswered.add(request_id)
            else:
                self.truncated.append(f"{request_id}: {outcome}")


def request_bytes(request_id: str, number: int) -> tuple[bytes, bytes]:
    """A request of one of three kinds, and the body its response must have."""
    kind = number % 3
    head = f"x-id: {request_id}\r\nhost: x\r\n"
    if kind == 0:
        return f"GET / HTTP/1.1\r\n{head}\r\n".encode(), b"0"
    if kind == 1:
        start = f"POST /count HTTP/1.1\r\n{head}content-length: {len(BODY)}\r\n\r\n"
        return start.encode() + BODY, str(len(BODY)).encode()
    return f"GET /slow HTTP/1.1\r\n{head}\r\n".encode(), b"0"


def read_answer(sock: socket.socket) -> tuple[bytes, bool]:
    """One response's body and whether it keeps the connection open; ``ConnectionError`` if
    the connection ends before any byte of it, ``Truncated`` if it ends in the middle."""
    data = b""
    while b"\r\n\r\n" not in data:
        data = receive_more(sock, data)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").lower().split("\r\n")
    if " 200 " not in lines[0] + " ":
        raise Truncated(f"status line {lines[0]!r}")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    length = int(headers["content-length"])
    while len(body) < length:
        body = receive_more(sock, body, partial=True)
    if len(body) > length:
        raise Truncated(f"{len(body) - length} bytes past the response")
    return body, headers.get("connection") != "close"


def receive_more(sock: socket.socket, data: bytes, partial: bool = False) -> bytes:
    try:
        more = sock.recv(65536)
    except ConnectionResetError:
        more = b""
    if not more:
        if data or partial:
            raise Truncated(f"closed after {len(data)} bytes of a response")
        raise ConnectionError("closed before the response")
    return data + more


def client(port: int, name: str, ledger: Ledger, responses: list[int]) -> None:
    """Send requests until the server stops taking connections."""
    number = 0
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=GRACE + 5)
        except OSError:
            return  # the listener is closed: the server is stopping
        with sock:
            while True:
                number += 1
                request_id = f"{name}-{number}"
                raw, expected = request_bytes(request_id, number)
                try:
                    sock.sendall(raw)
                    body, keep_alive = read_answer(sock)
                except Truncated as exc:
                    ledger.note(request_id, str(exc))
                    return
                except OSError:
                    ledger.note(request_id, "unanswered")
                    return
                if body != expected:
                    ledger.note(request_id, f"body {body!r}, expected {expected!r}")
                    return
                ledger.note(request_id, "answered")
                responses.append(1)
                if not keep_alive:
                    break  # connection: close: a new connection for the next request


def run_under_load(app: str, tmp_path: Path, *options: str) -> tuple[Ledger, set[str]]:
    log = tmp_path / "entered.log"
    os.environ["SQUALL_ENTERED_LOG"] = str(log)
    try:
        with serve_subprocess(
            app, "--timeout-graceful-shutdown", str(GRACE), "--no-access-log", *options
        ) as (proc, port):
            ledger = Ledger()
            responses: list[int] = []
            threads = [
                threading.Thread(target=client, args=(port, f"c{i}", ledger, responses))
                for i in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            wait_until(lambda: len(responses) >= LOAD_BEFORE_SIGNAL, "load", limit=20)
            signalled_at = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(GRACE + 5)
            stopped_in = time.monotonic() - signalled_at
            join_all(threads, limit=GRACE + 10)
            output = proc.stdout.read().decode() if proc.stdout else ""
    finally:
        del os.environ["SQUALL_ENTERED_LOG"]
    assert code == 0, output
    assert stopped_in < GRACE, output
    entered = set(log.read_text().split())
    return ledger, entered


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("app", ["tests.server.load_apps:asgi", "tests.server.load_apps:framework"])
def test_sigterm_under_load_loses_no_accepted_request(
    tmp_path: Path, app: str, workers: str
) -> None:
    ledger, entered = run_under_load(app, tmp_path, "--workers", workers)
    assert ledger.truncated == []
    assert entered - ledger.answered == set()  # every request the app started on: answered
    assert not (ledger.unanswered & entered)
    assert len(ledger.answered) >= LOAD_BEFORE_SIGNAL


def test_a_request_arriving_as_shutdown_begins_is_served_before_the_close() -> None:
    """Its first bytes were read while the response before it was being produced: it is an
    accepted request, so it gets its response (then ``connection: close``)."""
    app = asgi_apps.Recorder()
    with serve(app) as running, connect(running) as sock:
        sender = PieceSender(running, sock)
        sender.send(b"GET /hold HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_until(lambda: app.entered == ["/hold"], "the first request in the app")
        sender.send(b"GET /second HTTP/1.1\r\nHo")
        sender.wait_until_read()
        running.server.should_exit = True
        wait_until(lambda: server_state(running).shutting_down, "the shutdown to begin")
        app.release()
        first = read_response(sock)
        sender.send(b"st: x\r\n\r\n")
        second = read_response(sock)
        assert read_until_closed(sock) == b""
    assert (first.status, second.status) == (200, 200)
    assert second.headers["connection"] == "close"
    assert app.entered == ["/hold", "/second"]
