"""The ASGI ``http.response.pathsend`` and ``http.response.zerocopy`` extensions on Squall's
server: offered in every HTTP scope, sent with ``os.sendfile`` when the body can go unframed
on a plain socket (counted by ``sendfile.Counters``), read and written otherwise (chunked
framing, TLS).  Real server, raw sockets, httpx; Starlette's own FileResponse too."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from squall.server.sendfile import Counters
from tests.server.serving import (
    captured_errors,
    connect,
    read_head,
    read_response,
    serve,
    wait_until,
)
from tests.server.test_tls import Certificates, certs, tls_options, trusting  # noqa: F401

DATA = os.urandom(4 << 20)  # 4 MiB: several socket buffers, so sendfile must wait


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "data.bin"
    path.write_bytes(DATA)
    return path


def file_app(path: Path) -> Any:
    """``/path``: pathsend with a length; ``/chunked``: without one; ``/parts``: zerocopy
    pieces between body messages; ``/scope``: the extensions offered."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        route = scope["path"]
        if route == "/scope":
            body = " ".join(sorted(scope.get("extensions", {}))).encode()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        size = os.stat(path).st_size
        headers = [] if route == "/chunked" else [(b"content-length", str(size).encode())]
        if route == "/parts":
            headers = [(b"content-length", b"16")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if route != "/parts":
            await send({"type": "http.response.pathsend", "path": str(path)})
            return
        with open(path, "rb") as file:
            message = {"type": "http.response.zerocopy", "file": file, "more_body": True}
            await send({**message, "offset": 0, "count": 5})
            await send({"type": "http.response.body", "body": b"|", "more_body": True})
            await send({**message, "file": file.fileno(), "offset": 100, "count": 10})
        await send({"type": "http.response.body", "body": b""})

    return app


@pytest.fixture(scope="module")
def running(data_file: Path) -> Iterator[Any]:
    with serve(file_app(data_file)) as running:
        yield running


def test_both_extensions_are_offered(running: Any) -> None:
    answer = httpx.get(f"{running.url}/scope")
    assert answer.text == "http.response.pathsend http.response.zerocopy"


def test_pathsend_goes_out_with_sendfile(running: Any) -> None:
    before = Counters.zero_copy
    answer = httpx.get(f"{running.url}/path")
    assert answer.content == DATA
    assert Counters.zero_copy - before == len(DATA)


def test_zerocopy_parts_between_body_messages(running: Any) -> None:
    answer = httpx.get(f"{running.url}/parts")
    assert answer.content == DATA[:5] + b"|" + DATA[100:110]


def test_without_a_length_the_file_is_read_and_chunked(running: Any) -> None:
    before = Counters.copied
    answer = httpx.get(f"{running.url}/chunked")
    assert answer.headers["transfer-encoding"] == "chunked"
    assert answer.content == DATA
    assert Counters.copied - before == len(DATA)


def test_head_sends_nothing_of_the_file(running: Any) -> None:
    before = Counters.zero_copy, Counters.copied
    with connect(running) as sock:
        sock.sendall(
            b"HEAD /path HTTP/1.1\r\nhost: x\r\n\r\nGET /scope HTTP/1.1\r\nhost: x\r\n\r\n"
        )
        head = read_response(sock, head_request=True)
        after = read_response(sock)
    assert head.headers["content-length"] == str(len(DATA)) and head.body == b""
    assert after.body.startswith(b"http.response.pathsend")  # the connection carried on
    assert (Counters.zero_copy, Counters.copied) == before


def test_pipelined_files_arrive_whole_and_in_order(running: Any) -> None:
    request = b"GET /path HTTP/1.1\r\nhost: x\r\n\r\n"
    with connect(running) as sock:
        sock.sendall(request + b"GET /parts HTTP/1.1\r\nhost: x\r\n\r\n" + request)
        bodies = [read_response(sock).body for _ in range(3)]
    assert bodies == [DATA, DATA[:5] + b"|" + DATA[100:110], DATA]


def test_a_full_socket_makes_sendfile_wait(tmp_path: Path) -> None:
    big = os.urandom(16 << 20)  # more than the kernel's largest send buffer (4 MiB)
    path = tmp_path / "big.bin"
    path.write_bytes(big)
    waits = Counters.waits
    with serve(file_app(path)) as running, connect(running) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(b"GET /parts HTTP/1.1\r\nhost: x\r\n\r\nGET /path HTTP/1.1\r\nhost: x\r\n\r\n")
        wait_until(lambda: Counters.waits > waits, "sendfile to find the socket full")
        assert read_response(sock).body == big[:5] + b"|" + big[100:110]
        response = read_response(sock)
    assert response.headers["content-length"] == str(len(big))
    assert response.body == big


def test_a_client_leaving_mid_file_is_no_error(running: Any) -> None:
    with captured_errors() as errors:
        with connect(running) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.sendall(b"GET /path HTTP/1.1\r\nhost: x\r\n\r\n")
            read_head(sock)
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        wait_until(lambda: not running.server.state.connections, "the connection to go")
        assert httpx.get(f"{running.url}/path").content == DATA  # still serving
    assert errors.records == []


def test_over_tls_the_file_is_read_and_encrypted(data_file: Path, certs: Certificates) -> None:  # noqa: F811
    before = Counters.zero_copy
    with serve(file_app(data_file), **tls_options(certs)) as running:
        url = f"https://127.0.0.1:{running.port}/path"
        answer = httpx.get(url, verify=trusting(certs))
    assert answer.content == DATA
    assert Counters.zero_copy == before


def test_starlettes_file_response_uses_pathsend(data_file: Path) -> None:
    responses = pytest.importorskip("starlette.responses")
    app = responses.FileResponse(data_file)
    before = Counters.zero_copy
    with serve(app) as running:
        answer = httpx.get(running.url)
    assert answer.content == DATA
    assert Counters.zero_copy - before == len(DATA)
