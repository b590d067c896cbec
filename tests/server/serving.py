"""Helpers for server tests: run a Squall server on a free port, talk raw HTTP to it.

``SQUALL_TEST_LOOP`` (``auto``, ``asyncio`` or ``uvloop``; default ``auto``) picks the event
loop of every server the tests start: ``serve()`` passes it as ``Config(loop=...)`` and the
command-line launches pass ``--loop``.  ``SQUALL_TEST_H2_CODEC`` (``squall`` or ``h2``; unset:
the server's default) picks their HTTP/2 codec the same way (``h2_codec``, ``--h2-codec``).
Every helper that waits fails the test when its time
limit passes, instead of returning as if all went well.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from squall.server import Config, Server
from squall.server.state import ServerState

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEST_LOOP = os.environ.get("SQUALL_TEST_LOOP", "auto") or "auto"
if TEST_LOOP not in ("auto", "asyncio", "uvloop"):
    raise RuntimeError(f"SQUALL_TEST_LOOP={TEST_LOOP!r}: use auto, asyncio or uvloop")
TEST_H2_CODEC = os.environ.get("SQUALL_TEST_H2_CODEC", "")
if TEST_H2_CODEC not in ("", "squall", "h2"):
    raise RuntimeError(f"SQUALL_TEST_H2_CODEC={TEST_H2_CODEC!r}: use squall or h2")
CODEC_OPTIONS = ("--h2-codec", TEST_H2_CODEC) if TEST_H2_CODEC else ()


def wait_until(
    condition: Callable[[], object], what: str, limit: float = 5.0, step: float = 0.005
) -> None:
    """Poll ``condition`` until it is true; raise ``TimeoutError`` naming ``what`` if it never is."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {limit} s waiting for {what}")
        time.sleep(step)


def join_all(threads: Iterable[threading.Thread], limit: float = 10.0) -> None:
    """Join every thread; raise ``TimeoutError`` if one is still running after ``limit``."""
    deadline = time.monotonic() + limit
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            raise TimeoutError(f"thread {thread.name} still running after {limit} s")


def cli_command(*args: str) -> list[str]:
    """``python -m squall ARGS --loop TEST_LOOP`` (arguments after the app path are options),
    with ``--h2-codec TEST_H2_CODEC`` if that is set."""
    return [sys.executable, "-m", "squall", *args, "--loop", TEST_LOOP, *CODEC_OPTIONS]


class LogRecords(logging.Handler):
    """The records squall's loggers emit while installed (see ``captured_errors``)."""

    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> str:
        return "\n".join(record.getMessage() for record in self.records)

    def tracebacks(self) -> str:
        formatter = logging.Formatter()
        return "".join(formatter.formatException(r.exc_info) for r in self.records if r.exc_info)


@contextlib.contextmanager
def captured_errors(level: int = logging.ERROR) -> Iterator[LogRecords]:
    """Collect the records of ``level`` and above logged on ``squall.*`` loggers (from any
    thread) in the block; below ERROR, the ``squall`` logger lets ``level`` through meanwhile."""
    handler = LogRecords(level)
    logger = logging.getLogger("squall")
    previous = logger.level
    logger.addHandler(handler)
    if level < logging.ERROR:
        logger.setLevel(level)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


@dataclass
class Running:
    host: str
    port: int
    server: Server

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def serve(app: Any, **options: Any) -> Iterator[Running]:
    """Serve ``app`` in a background thread for the duration of the block."""
    sock = bound_socket()
    sock.listen(128)
    port = sock.getsockname()[1]
    options.setdefault("access_log", False)
    options.setdefault("loop", TEST_LOOP)
    if TEST_H2_CODEC:
        options.setdefault("h2_codec", TEST_H2_CODEC)
    # mallopt would change the allocator for the rest of the run (test_memory.py runs it in
    # a child process instead).
    options.setdefault("tune_malloc", False)
    server = Server(Config(app=app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.01)
    try:
        yield Running("127.0.0.1", port, server)
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        if thread.is_alive():
            raise TimeoutError("the server did not stop within 15 s of should_exit")


def server_state(running: Running) -> ServerState:
    """The running server's shared state (its connections, requests in flight...)."""
    state = running.server.state
    assert state is not None, "the server is not running"
    return state


def open_connections(running: Running) -> int:
    """How many connections the server holds open now."""
    return len(server_state(running).connections)


def shut_down_with_one_in_the_app(
    running: Running, request: bytes, in_app: Callable[[], bool]
) -> list[str]:
    """Send ``request``, wait till ``in_app()``, stop the server (its graceful timeout must be
    short) and return the WARNING-and-above lines logged meanwhile; the connection must have
    been closed without an answer."""
    with captured_errors(logging.WARNING) as logs, connect(running) as sock:
        sock.sendall(request)
        wait_until(in_app, "the request in the app")
        running.server.should_exit = True
        assert read_until_closed(sock) == b""
        wait_until(lambda: not running.server.started, "the server to stop")
    assert all(r.levelno == logging.WARNING for r in logs.records), logs.messages()
    return [r.getMessage() for r in logs.records]


def connect(running: Running, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection((running.host, running.port), timeout=timeout)
    _pending.pop(sock.fileno(), None)
    return sock


def server_connection(running: Running, sock: socket.socket) -> Any:
    """The server's side of the client socket ``sock`` (an ``HttpConnection``)."""
    client = sock.getsockname()[:2]
    found: list[Any] = []

    def lookup() -> bool:
        found[:] = [c for c in list(running.server.state.connections) if c.client == client]
        return bool(found)

    wait_until(lookup, f"the server's connection from {client}")
    return found[0]


TCPI_BYTES_RECEIVED = 128  # offset of tcpi_bytes_received (u64) in Linux's struct tcp_info


class PieceSender:
    """Sends a client socket's data in pieces that each reach the server in a read of its own.

    Pauses between sends only make separate reads likely.  Before each piece after the first
    this waits until the server has read every byte sent before it: its TCP stack has
    received them all (``tcpi_bytes_received``, Linux 4.1+) and none is left in its socket's
    receive queue (``FIONREAD``).  Anything sent on the socket must go through ``send``.
    """

    def __init__(self, running: Running, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.conn = server_connection(running, sock)
        self.server_socket = self.conn.transport.get_extra_info("socket")
        self.sent = 0

    def send(self, data: bytes) -> None:
        if self.sent:
            self.wait_until_read()
        self.sock.sendall(data)
        self.sent += len(data)

    def send_in_pieces(self, data: bytes, cuts: Iterable[int]) -> None:
        """Send ``data`` cut at ``cuts`` (sorted offsets), each piece in its own read."""
        start = 0
        for cut in [*cuts, len(data)]:
            if cut > start:
                self.send(data[start:cut])
                start = cut

    def wait_until_read(self, limit: float = 5.0) -> None:
        wait_until(self._all_read, "the server to read what was sent", limit, step=0.0002)

    def _all_read(self) -> bool:
        if self.conn.transport.is_closing():
            raise ConnectionError("the server is closing the connection")
        info = self.server_socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        (received,) = struct.unpack_from("Q", info, TCPI_BYTES_RECEIVED)
        if received < self.sent:
            return False
        unread = array.array("i", [0])
        fcntl.ioctl(self.server_socket.fileno(), termios.FIONREAD, unread, True)
        return unread[0] == 0


def read_until_closed(sock: socket.socket, limit: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection.

    Raises ``TimeoutError`` if the connection is still open after ``limit`` seconds.
    """
    deadline = time.monotonic() + limit
    chunks = [_pending.pop(sock.fileno(), b"")]
    with contextlib.suppress(ConnectionResetError):
        while True:
            sock.settimeout(max(0.001, deadline - time.monotonic()))
            try:
                data = sock.recv(65536)
            except TimeoutError:
                received = b"".join(chunks)
                raise TimeoutError(
                    f"the server did not close the connection within {limit} s "
                    f"(received {len(received)} bytes: {received[:200]!r})"
                ) from None
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def exchange(running: Running, raw: bytes, limit: float = 5.0) -> bytes:
    """Send ``raw`` on a new connection and return all that comes back until close."""
    with connect(running) as sock:
        sock.sendall(raw)
        return read_until_closed(sock, limit)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    header_list: list[tuple[str, str]]
    body: bytes


_pending: dict[int, bytes] = {}  # bytes read past a response, per socket (pipelining)


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection")
    return data


def read_head(sock: socket.socket) -> bytes:
    """Wait for a response head and return it; ``read_response`` then reads that response.

    A readiness signal: once the head is here the app is running the request.
    """
    buffer = bytearray(_pending.pop(sock.fileno(), b""))
    sock.settimeout(5)
    try:
        while b"\r\n\r\n" not in buffer:
            buffer += _recv(sock)
    finally:
        _pending[sock.fileno()] = bytes(buffer)
    return bytes(buffer).partition(b"\r\n\r\n")[0]


def read_response(sock: socket.socket, head_request: bool = False) -> Response:
    """Read exactly one response from ``sock`` (content-length, chunked or until close)."""
    buffer = bytearray(_pending.pop(sock.fileno(), b""))
    sock.settimeout(5)
    while b"\r\n\r\n" not in buffer:
        buffer += _recv(sock)
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    pairs = (line.partition(":") for line in lines[1:])
    header_list = [(name.strip().lower(), value.strip()) for name, _, value in pairs]
    headers = dict(header_list)
    body = bytearray(rest)
    if head_request or status in (204, 304) or 100 <= status < 200:
        size = 0
    elif "content-length" in headers:
        size = int(headers["content-length"])
        while len(body) < size:
            body += _recv(sock)
    elif headers.get("transfer-encoding") == "chunked":
        return Response(status, headers, header_list, _read_chunked(sock, body))
    else:
        body += read_until_closed(sock)
        size = len(body)
    if len(body) > size:
        _pending[sock.fileno()] = bytes(body[size:])
    return Response(status, headers, header_list, bytes(body[:size]))


def _read_chunked(sock: socket.socket, buffer: bytearray) -> bytes:
    out = bytearray()
    while True:
        while b"\r\n" not in buffer:
            buffer += _recv(sock)
        line, _, rest = bytes(buffer).partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        buffer = bytearray(rest)
        if size == 0:
            while b"\r\n" not in buffer:  # trailers end with an empty line
                buffer += _recv(sock)
            buffer = buffer[buffer.index(b"\r\n") + 2 :]
            if buffer:
                _pending[sock.fileno()] = bytes(buffer)
            return bytes(out)
        while len(buffer) < size + 2:
            buffer += _recv(sock)
        out += buffer[:size]
        buffer = buffer[size + 2 :]


@contextlib.contextmanager
def serve_subprocess(app_path: str, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """Run ``python -m squall APP --port P ARGS`` and wait until it accepts connections."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen(
        cli_command(app_path, "--port", str(port), *args),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


def wait_for_port(
    port: int, proc: subprocess.Popen[bytes] | None = None, limit: float = 10
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise RuntimeError(f"the server exited with {proc.returncode}: {out}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")
