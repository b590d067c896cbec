"""Slow and hostile clients: slow heads, slow bodies, clients that never read, idle crowds.

Each attack runs on real sockets against a real server with short timeouts, while a probe
client keeps asking for a page: every probe must get its 200 while the attackers are held,
and the server's own timeouts must close the attackers (408 where no response has started).
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from squall.native import ClientGone
from squall.server.http11.connection import BODY_PROGRESS
from squall.server.transport import SLOT
from tests.server import asgi_apps
from tests.server.probing import probe, probe_until
from tests.server.serving import (
    PieceSender,
    Running,
    captured_errors,
    connect,
    read_response,
    read_until_closed,
    serve,
    serve_subprocess,
    server_connection,
    wait_until,
)

SHORT = 0.5  # seconds: every timeout under test
HIGH_WATER = 64 * 1024  # the server's write buffer limit (the default)
CHUNK = 64 * 1024


def closed_by_server(sock: socket.socket) -> bool:
    """The server has closed (or reset) ``sock``: a read returns EOF at once."""
    sock.setblocking(False)
    try:
        while sock.recv(65536):
            pass
    except BlockingIOError:
        return False
    except ConnectionError:
        return True
    finally:
        sock.setblocking(True)
    return True


def all_closed(socks: list[socket.socket]) -> Callable[[], bool]:
    return lambda: all(closed_by_server(sock) for sock in socks)


@contextlib.contextmanager
def attackers(running: Running, count: int, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    socks = [connect(running, timeout=10) for _ in range(count)]
    try:
        for sock in socks:
            sock.sendall(first_bytes)
        yield socks
    finally:
        for sock in socks:
            sock.close()


class SlowClientApp:
    """``/read``: reads the body, answers its size; ``/start-then-read``: the response starts
    before the body is read; ``/stream``: 64 KiB chunks until the client is gone (``sent``,
    ``gone`` record how far it got); anything else: a small page."""

    def __init__(self) -> None:
        self.sent = 0
        self.gone: list[BaseException] = []
        self.bodies_read = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path in ("/read", "/late-read"):
            if path == "/late-read":  # busy for a while before it reads the body
                await asyncio.sleep(float(scope["query_string"]))
            body = await self.read_body(receive)
            if body is not None:
                await asgi_apps.respond(send, 200, b"%d" % len(body))
        elif path == "/start-then-read":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"started", "more_body": True})
            if await self.read_body(receive) is not None:
                await send({"type": "http.response.body", "body": b""})
        elif path == "/stream":
            await self.stream(send)
        elif path == "/page":
            await asgi_apps.respond(send, 200, b"p" * int(scope["query_string"]))
        else:
            await asgi_apps.respond(send, 200, b"ok")

    async def read_body(self, receive: Any) -> bytes | None:
        """The whole body, or None if the client went first (as a timeout makes it)."""
        parts = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.bodies_read += 1
                return b"".join(parts)

    async def stream(self, send: Any) -> None:
        chunk = b"s" * CHUNK
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while self.sent < 1024 * 1024 * 1024:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                self.sent += len(chunk)
        except ClientGone as exc:
            self.gone.append(exc)
            raise
        await asyncio.sleep(0)


# -- Slow heads (slowloris) -------------------------------------------------------------------


def test_slow_heads_get_408_and_are_closed_while_new_clients_are_served() -> None:
    with captured_errors() as errors, serve(SlowClientApp(), timeout_headers=SHORT) as running:
        started = time.monotonic()
        with attackers(running, 50, b"GET / HTTP/1.1\r\nHost: x\r\n") as socks:
            trickled = 0

            def trickle_then_check() -> bool:  # slowloris: a header line now and then
                nonlocal trickled
                for sock in socks:
                    with contextlib.suppress(OSError):
                        sock.send(b"X-a%d: b\r\n" % trickled)
                trickled += 1
                return all_closed(socks)()

            probes = probe_until(running, trickle_then_check, "the slow heads to close", 10)
            held = time.monotonic() - started
            assert probes >= 1
            assert held >= SHORT - SLOT  # not closed before their time (the clock ticks)
        with connect(running) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and the answer they got
            assert b"408 Request Timeout" in read_until_closed(sock)
    assert not errors.records, errors.messages()


# -- Slow bodies (R-U-Dead-Yet) ----------------------------------------------------------------

STALLED_BODY = b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"b" * 10


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(STALLED_BODY, id="content-length"),
        pytest.param(
            b"POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nbbbbb\r\n",
            id="chunked",
        ),
    ],
)
def test_a_stalled_body_gets_408_and_is_closed_while_new_clients_are_served(head: bytes) -> None:
    app = SlowClientApp()
    with captured_errors() as errors, serve(app, timeout_body=SHORT) as running:
        started = time.monotonic()
        with attackers(running, 50, head) as socks:
            probes = probe_until(running, all_closed(socks), "the stalled bodies to close", 10)
            assert probes >= 1
            assert time.monotonic() - started >= SHORT - SLOT
        with connect(running) as sock:
            sock.sendall(head)
            answer = read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"Request body timeout" in answer
    assert app.bodies_read == 0  # the app saw the client go, never a partial body
    assert not errors.records, errors.messages()


def test_a_body_that_keeps_coming_is_never_cut_however_long_it_takes() -> None:
    """The body timeout wants 1 KiB per period, not the whole body."""
    piece = b"b" * BODY_PROGRESS
    with serve(SlowClientApp(), timeout_body=SHORT) as running, connect(running) as sock:
        pieces = 8
        sender = PieceSender(running, sock)
        sender.send(
            b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (pieces * len(piece))
        )
        started = time.monotonic()
        for _ in range(pieces):
            time.sleep(SHORT / 4)  # the client's pace, not synchronisation
            sender.send(piece)
        assert time.monotonic() - started > SHORT * 1.5  # longer than one timeout in all
        assert read_response(sock).body == b"%d" % (pieces * len(piece))


def test_a_body_trickled_a_byte_at_a_time_is_cut_however_often_it_comes() -> None:
    """Slow body attacks send a byte now and then: too little to restart the clock."""
    with serve(SlowClientApp(), timeout_body=SHORT) as running, connect(running) as sock:
        sender = PieceSender(running, sock)
        sender.send(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        started = time.monotonic()
        with contextlib.suppress(ConnectionError):  # until the server closes
            while time.monotonic() - started < SHORT * 10:
                time.sleep(SHORT / 10)  # the attacker's pace
                sender.send(b"b")
        assert sock.recv(65536).startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - started < SHORT * 10


def test_a_body_stalled_after_the_response_started_closes_without_a_408() -> None:
    with serve(SlowClientApp(), timeout_body=SHORT) as running, connect(running) as sock:
        sock.sendall(b"POST /start-then-read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
        answer = read_until_closed(sock, limit=10)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"started" in answer and b"408" not in answer


def test_the_body_timer_waits_for_100_continue_then_runs() -> None:
    """A client that asked to wait is not timed out while the app has not asked for the
    body; once ``100 Continue`` has gone out, a stall is."""
    late = b"POST /late-read?%g HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n" % (SHORT * 3)
    with serve(SlowClientApp(), timeout_body=SHORT) as running:
        with connect(running) as sock:
            sock.sendall(late + b"Expect: 100-continue\r\n\r\n")
            assert read_response(sock).status == 100  # after the app's nap
            sock.sendall(b"bbbb")
            assert read_response(sock).body == b"4"
        with connect(running) as sock:
            sock.sendall(late + b"Expect: 100-continue\r\n\r\n")
            assert read_response(sock).status == 100
            assert b" 408 " in read_until_closed(sock, limit=10)  # then the client stalls


def test_the_body_timer_waits_while_the_server_has_stopped_reading() -> None:
    """Past ``read_buffer_high_water`` of unread body the server stops reading: the client
    is not the one stalling."""
    size = 1024 * 1024
    with serve(SlowClientApp(), timeout_body=SHORT) as running, connect(running) as sock:
        head = b"POST /late-read?%g HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
        sock.sendall(head % (SHORT * 3, size) + b"b" * size)
        assert read_response(sock).body == b"%d" % size


# -- Clients that never read ------------------------------------------------------------------


@contextlib.contextmanager
def squeezed_connection(running: Running) -> Iterator[tuple[socket.socket, Any]]:
    """A client and its server connection with small socket buffers on both ends: what the
    kernel holds is small, so the server's own write buffer is what fills."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)  # before connect
    sock.settimeout(10)
    with sock:
        sock.connect((running.host, running.port))
        conn = server_connection(running, sock)
        server_socket = conn.transport.get_extra_info("socket")
        server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
        yield sock, conn


def test_a_client_that_never_reads_holds_bounded_memory_and_is_reset_by_the_write_timeout() -> None:
    app = SlowClientApp()
    with captured_errors() as errors, serve(app, timeout_write=SHORT) as running:
        with squeezed_connection(running) as (sock, conn):
            sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            wait_until(lambda: conn.write_pauses >= 1, "the server to pause writing", limit=10)
            probe_until(running, lambda: bool(app.gone), "the app's send to raise", limit=10)
            # The app waited in send: what it produced is what the sockets and the write
            # buffer hold, not the gigabyte it would stream to a reading client.
            assert app.sent < 1024 * 1024
            assert conn.transport.is_closing()
            received = 0
            with contextlib.suppress(ConnectionError):
                received = len(read_until_closed(sock))
            assert received <= app.sent
        probe(running)
    assert not errors.records, errors.messages()  # ClientGone ends the app quietly


def test_requests_from_a_client_that_reads_no_answers_cannot_grow_the_write_buffer() -> None:
    """Found here: every request was answered into the write buffer, read or not (pipelined
    or one after the other): 100 MiB for these 400."""
    page = 256 * 1024
    with serve(SlowClientApp(), timeout_write=SHORT) as running:
        with squeezed_connection(running) as (sock, conn):
            sock.sendall(b"GET /page?%d HTTP/1.1\r\nHost: x\r\n\r\n" % page * 400)
            wait_until(conn.transport.is_closing, "the write timeout to close it", limit=10)
            probe(running)
        answered = running.server.state.total_requests - 1  # type: ignore[union-attr]
    assert conn.write_pauses >= 1
    assert answered <= 2, f"{answered} answers to a client that reads none"


def test_a_slow_but_steady_reader_of_a_big_response_is_never_cut() -> None:
    """The write timeout wants some progress per period (16 KiB), not a drained buffer."""
    size = 1024 * 1024
    request = b"GET /page?%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % size
    with (
        serve(SlowClientApp(), timeout_write=SHORT) as running,
        squeezed_connection(running) as (sock, conn),
    ):
        sock.sendall(request)
        started = time.monotonic()
        received = 0
        while data := sock.recv(32 * 1024):
            received += len(data)
            time.sleep(0.02)  # the client's pace
        assert received > size
        assert time.monotonic() - started > SHORT * 2  # the buffer was full for longer
        assert conn.write_pauses >= 1


# -- Thousands of idle connections ------------------------------------------------------------

IDLE = 2000


@contextlib.contextmanager
def raised_descriptor_limit(needed: int) -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"{needed} descriptors needed, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_idle(port: int, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        socks.append(socket.create_connection(("127.0.0.1", port), timeout=10))
    return socks


def test_thousands_of_idle_connections_cost_little_and_are_closed_by_the_timeouts() -> None:
    with (
        raised_descriptor_limit(2 * IDLE + 100),
        serve_subprocess(
            "tests.server.asgi_apps:router",
            "--timeout-headers",
            "4",
            "--timeout-keep-alive",
            "4",
            "--no-access-log",
            "--backlog",
            "4096",
        ) as (proc, port),
    ):
        running_probe = Running("127.0.0.1", port, None)  # type: ignore[arg-type]
        probe(running_probe)
        before = rss_kib(proc.pid)
        silent = open_idle(port, IDLE // 2)  # connect, say nothing
        kept = open_idle(port, IDLE // 2)  # one request each, then idle keep-alive
        for sock in kept:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        for sock in kept:
            assert read_response(sock).status == 200
        probe(running_probe)  # accepted after the silent ones: they are all in
        per_connection = (rss_kib(proc.pid) - before) * 1024 / IDLE
        print(f"{per_connection:.0f} bytes of RSS per idle connection")
        assert per_connection < 16 * 1024, f"{per_connection:.0f} bytes per idle connection"
        try:
            for sock in silent + kept:  # closed without a word (no request to answer)
                assert read_until_closed(sock, limit=20) == b""
        finally:
            for sock in silent + kept:
                sock.close()
        probe(running_probe)
