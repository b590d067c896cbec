"""Control-frame floods (CVE-2019-9512..9516), by a raw client on a real socket: frames that
ask the server for work or an answer but move no request forward, past the budget; and a
flooder that never reads its socket."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable

import pytest

from tests.server.http2 import require_h2

require_h2()

from h2.errors import ErrorCodes  # noqa: E402
from hyperframe.frame import (  # noqa: E402
    DataFrame,
    Frame,
    PriorityFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

from squall.server.http2.defences import BUDGET_WINDOW, MIN_IDLE_FRAMES, FrameBudget  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.frames import ping, send_frames  # noqa: E402
from tests.server.http2.h2client import RawH2  # noqa: E402
from tests.server.serving import captured_errors, serve, server_state, wait_until  # noqa: E402

FLOOD = MIN_IDLE_FRAMES + 20  # the default budget: 100 streams allowed -> 1000 frames


def pings(client: RawH2, count: int) -> list[Frame]:
    return [ping(n) for n in range(count)]


def settings(client: RawH2, count: int) -> list[Frame]:
    return [SettingsFrame(0, settings={SettingsFrame.INITIAL_WINDOW_SIZE: 65535})] * count


def priorities(client: RawH2, count: int) -> list[Frame]:
    return [
        PriorityFrame(3 + 2 * (n % 50), depends_on=1, stream_weight=n % 256) for n in range(count)
    ]


def resets_of_a_closed_stream(client: RawH2, count: int) -> list[Frame]:
    done = client.request("/")
    client.read(lambda: client.done(done))
    return [RstStreamFrame(done, error_code=ErrorCodes.CANCEL)] * count


def empty_data(client: RawH2, count: int) -> list[Frame]:
    stream = client.request("/echo", method="POST", end=False)
    return [DataFrame(stream, data=b"")] * count


def tiny_window_updates(client: RawH2, count: int) -> list[Frame]:
    return [WindowUpdateFrame(0, window_increment=1)] * count


FLOODS: dict[str, Callable[[RawH2, int], list[Frame]]] = {
    "PING": pings,
    "SETTINGS": settings,
    "PRIORITY": priorities,
    "RST_STREAM": resets_of_a_closed_stream,
    "empty DATA": empty_data,
    "small WINDOW_UPDATE": tiny_window_updates,
}


@pytest.mark.parametrize("kind", list(FLOODS))
def test_a_flood_gets_goaway_enhance_your_calm(kind: str) -> None:
    with captured_errors(logging.WARNING) as errors, serve(make_app(Seen())) as running:
        client = RawH2(running)
        send_frames(client, FLOODS[kind](client, FLOOD))
        client.read(lambda: client.closed)
        assert client.goaway is not None, "the server closed without GOAWAY"
        assert client.goaway.error_code == ErrorCodes.ENHANCE_YOUR_CALM
        client.close()
    assert f"frames without progress ({kind})" in errors.messages()


@pytest.mark.parametrize("kind", list(FLOODS))
def test_a_few_control_frames_are_fine(kind: str) -> None:
    with serve(make_app(Seen())) as running:
        client = RawH2(running)
        send_frames(client, FLOODS[kind](client, MIN_IDLE_FRAMES // 2))
        after = client.request("/after")
        client.read(lambda: client.done(after))
        assert client.streams[after].status == 200 and client.goaway is None
        client.close()


def test_large_window_updates_are_not_counted() -> None:
    with serve(make_app(Seen())) as running:
        client = RawH2(running)
        send_frames(client, [WindowUpdateFrame(0, window_increment=1024)] * FLOOD)
        after = client.request("/after")
        client.read(lambda: client.done(after))
        assert client.streams[after].status == 200 and client.goaway is None
        client.close()


def test_a_ping_flooder_that_never_reads_does_not_fill_the_servers_memory() -> None:
    # A budget large enough for the ACKs to pass the write buffer's high-water mark first.
    streams = 10_000  # -> 100,000 frames per window
    high_water = 64 * 1024
    with serve(
        make_app(Seen()),
        h2_max_concurrent_streams=streams,
        write_high_water=high_water,
        timeout_write=0.5,
    ) as running:
        client = RawH2(running, receive_buffer=4096)
        client.sock.setblocking(False)
        state = server_state(running)
        wait_until(lambda: bool(state.connections), "the server has the connection")
        # Small kernel buffers on both sides: the ACKs pile up in the server's own buffer.
        server_socket = next(iter(state.connections)).transport.get_extra_info("socket")  # type: ignore[attr-defined]
        server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        wire = b"".join(ping(n).serialize() for n in range(60_000))  # 1 MB of PINGs, 1 MB of ACKs
        sent = 0
        largest = 0

        def flood() -> bool:
            nonlocal sent, largest
            with contextlib.suppress(OSError):  # the socket is full, or the server has gone
                sent += client.sock.send(wire[sent : sent + 65536])
            for conn in list(state.connections):
                largest = max(largest, conn.transport.get_write_buffer_size())  # type: ignore[attr-defined]
            return not state.connections

        wait_until(lambda: flood() and not state.connections, "the server dropped the flooder", 10)
        # One read's worth of ACKs (a read of up to 256 kB of PINGs) may come on top.
        assert largest <= high_water + 256 * 1024, largest
        client.close()


def test_the_flood_budget_is_per_window() -> None:
    clock = [1000.0]
    budget = FrameBudget(1, clock=lambda: clock[0])
    assert all(budget.spend() for _ in range(MIN_IDLE_FRAMES))
    assert not budget.spend()
    clock[0] += BUDGET_WINDOW - 0.1
    assert not budget.spend()
    clock[0] += 0.1
    assert budget.spend()
