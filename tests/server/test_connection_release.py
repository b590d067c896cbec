"""A closed connection is freed by reference counting, at once, not left to the cyclic
garbage collector (the parser's callbacks, the writer and the exchanges all point back to it).

Found by the soak (bench/soak.py): 60,000 new connections in a row grew the server's memory by
~1.7 MiB, every closed connection a cycle waiting for a full collection. Each test runs with the
collector off: a connection still alive after it closed is one that only the collector frees.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from squall.server.http11.connection import HttpConnection
from tests.server.asgi_apps import echo
from tests.server.serving import (
    Running,
    captured_errors,
    connect,
    exchange,
    open_connections,
    read_response,
    serve,
    server_connection,
    wait_until,
)

CONNECTIONS = 20
POST = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n%b\r\nhi"


def live_connections() -> int:
    return sum(1 for thing in gc.get_objects() if type(thing) is HttpConnection)


@pytest.fixture
def collector_off() -> Iterator[int]:
    """The cyclic collector off for the test; yields the connections alive before it."""
    gc.collect()
    gc.disable()
    try:
        yield live_connections()
    finally:
        gc.enable()


def all_freed(running: Running, before: int) -> None:
    wait_until(lambda: open_connections(running) == 0, "the connections to close")
    wait_until(lambda: live_connections() == before, "the closed connections to be freed")


def test_connections_the_request_closes_are_freed(collector_off: int) -> None:
    with serve(echo) as running:
        for _ in range(CONNECTIONS):
            assert exchange(running, POST % b"Connection: close\r\n").endswith(b"hi")
        all_freed(running, collector_off)


def test_keep_alive_connections_the_client_closes_are_freed(collector_off: int) -> None:
    with serve(echo) as running:
        for _ in range(CONNECTIONS):
            with connect(running) as sock:
                sock.sendall(POST % b"")
                assert read_response(sock).body == b"hi"
        all_freed(running, collector_off)


def test_a_connection_lost_while_its_app_waits_is_freed_when_the_app_ends(
    collector_off: int,
) -> None:
    finished = []

    async def waits_for_its_body(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
            await asyncio.sleep(0)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"late"})
        except OSError:
            pass  # a late answer to a client long gone: the server may say so
        finally:
            finished.append(True)

    with captured_errors() as errors, serve(waits_for_its_body) as running:
        for _ in range(CONNECTIONS):
            with connect(running) as sock:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf")
                server_connection(running, sock)  # it read the head: the app runs
        wait_until(lambda: len(finished) == CONNECTIONS, "every app to end")
        all_freed(running, collector_off)
    assert not errors.records
