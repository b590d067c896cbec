"""HTTP/2 attacks, by a raw ``h2`` client on a real socket: rapid reset, the zero-window stall
and a client that stops reading the socket.  The others: test_header_blocks.py (CONTINUATION
flood, HPACK bomb), test_floods.py (control frames), test_stream_admission.py (slow bodies)."""

from __future__ import annotations

import logging

from tests.server.http2 import require_h2

require_h2()

from h2.errors import ErrorCodes  # noqa: E402

from squall.server.http2.defences import MIN_RESETS  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.h2client import RawH2  # noqa: E402
from tests.server.serving import captured_errors, serve, wait_until  # noqa: E402


def test_rapid_reset_gets_goaway_enhance_your_calm() -> None:
    seen = Seen()
    with (
        captured_errors(logging.WARNING) as errors,
        serve(make_app(seen), timeout_graceful_shutdown=2) as running,
    ):
        client = RawH2(running)
        resets = 0
        while resets <= MIN_RESETS + 50 and client.goaway is None:
            streams = [client.request("/held") for _ in range(50)]  # within the 100 allowed
            if seen.gate is None:
                wait_until(seen.held.is_set, "the app holds a request")
            for stream in streams:
                client.h2.reset_stream(stream, ErrorCodes.CANCEL)
            client.flush()
            resets += len(streams)
            client.quiet_for(0.05)
        client.read(lambda: client.closed)
        assert client.goaway is not None
        assert client.goaway.error_code == ErrorCodes.ENHANCE_YOUR_CALM
        assert MIN_RESETS < resets <= MIN_RESETS + 50
        seen.release()
        client.close()
    assert "rapid reset" in errors.messages()


def test_a_few_resets_are_fine() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        client = RawH2(running)
        for _ in range(20):
            stream = client.request("/until-disconnect")
            client.read(lambda s=stream: bytes(client.streams[s].data) == b"started")  # type: ignore[misc]
            client.h2.reset_stream(stream, ErrorCodes.CANCEL)
        last = client.request("/")
        client.read(lambda: client.done(last))
        assert client.streams[last].status == 200 and client.goaway is None
        client.close()


def test_a_window_kept_shut_resets_the_stream_after_the_write_timeout() -> None:
    with serve(make_app(Seen()), timeout_write=0.3) as running:
        client = RawH2(running, window=1000, ack_data=False)
        stalled = client.request("/big?size=5000")
        client.read(lambda: client.done(stalled))
        assert client.streams[stalled].reset == ErrorCodes.CANCEL
        assert len(client.streams[stalled].data) == 1000
        client.ack_data = True
        after = client.request("/")  # the connection lives on
        client.read(lambda: client.done(after))
        assert client.streams[after].status == 200
        client.close()


def test_a_slow_reader_that_keeps_opening_its_window_is_not_reset() -> None:
    with serve(make_app(Seen()), timeout_write=0.5) as running:
        client = RawH2(running, window=1000, ack_data=False)
        stream = client.request("/big?size=8000")
        log = client.streams[stream]
        for received in range(1000, 8001, 1000):
            client.read(lambda n=received: len(log.data) >= n)  # type: ignore[misc]
            if received < 8000:
                client.quiet_for(0.2)  # slow, but within the write timeout each time
                client.h2.increment_flow_control_window(1000, stream_id=stream)
                client.flush()
        client.read(lambda: client.done(stream))
        assert log.ended and log.reset is None
        client.close()


def test_a_client_that_stops_reading_the_socket_is_dropped_after_the_write_timeout() -> None:
    with serve(make_app(Seen()), timeout_write=0.3) as running:
        client = RawH2(running, window=2**31 - 1)
        client.h2.increment_flow_control_window(2**31 - 1 - 65535)  # the connection's too
        first = client.request("/")
        client.read(lambda: client.done(first))
        state = running.server.state
        assert state is not None and len(state.connections) == 1
        client.request(f"/big?size={16 * 1024 * 1024}")  # then reads nothing
        wait_until(lambda: not state.connections, "the server dropped the connection", 10)
        client.close()
