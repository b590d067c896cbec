"""HTTP/2 frame by frame: a raw ``h2`` client on a real socket drives the server.

Flow control both ways, RST_STREAM, REFUSED_STREAM, GOAWAY at shutdown and when idle, and the
h2c preface on the HTTP/1.1 port.  Every server is started by the test on a free port.
"""

from __future__ import annotations

import socket

from tests.server.http2 import require_h2

require_h2()

from h2.errors import ErrorCodes  # noqa: E402
from h2.settings import SettingCodes  # noqa: E402

from squall.server.http2 import PREFACE  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.h2client import RawH2  # noqa: E402
from tests.server.serving import read_until_closed, serve, wait_until  # noqa: E402


def test_a_request_maps_onto_the_asgi_scope() -> None:
    seen = Seen()
    with serve(make_app(seen), timeout_graceful_shutdown=2) as running:
        client = RawH2(running)
        stream = client.request("/caf%C3%A9?a=1&b=2")
        client.read(lambda: client.done(stream))
        log = client.streams[stream]
        assert log.status == 200
        assert bytes(log.data) == "GET /café a=1&b=2 2".encode()
        assert dict(log.headers)[b"server"] == b"squall"
        assert client.remote_settings[SettingCodes.MAX_CONCURRENT_STREAMS] == 100
        scope = seen.scopes[0]
        assert scope["http_version"] == "2"
        assert scope["raw_path"] == b"/caf%C3%A9"
        assert scope["headers"][0] == (b"host", client.authority)
        client.close()


def test_a_response_past_the_window_waits_for_window_update() -> None:
    with serve(make_app(Seen())) as running:
        client = RawH2(running, window=1000, ack_data=False)
        stream = client.request("/big?size=5000")
        log = client.streams[stream]
        client.read(lambda: len(log.data) == 1000)
        client.quiet_for(0.3)
        assert len(log.data) == 1000 and not log.ended  # the window is closed: it waits
        client.h2.increment_flow_control_window(4000, stream_id=stream)
        client.flush()
        client.read(lambda: log.ended)
        assert bytes(log.data) == b"x" * 5000
        client.close()


def test_a_request_body_is_acknowledged_only_as_the_app_reads_it() -> None:
    seen = Seen()
    with serve(
        make_app(seen), timeout_graceful_shutdown=2, h2_initial_window_size=16384
    ) as running:
        client = RawH2(running)
        client.read(lambda: SettingCodes.INITIAL_WINDOW_SIZE in client.remote_settings)
        held = client.request("/held", "POST", b"a" * 16384, end=False)  # the app reads nothing
        assert client.h2.local_flow_control_window(held) == 0
        echoed = client.request("/echo", "POST", b"b" * 16384, end=False)
        client.read(lambda: client.h2.local_flow_control_window(echoed) > 0)  # it read: opened
        client.h2.send_data(echoed, b"", end_stream=True)
        client.flush()
        client.read(lambda: client.done(echoed))
        assert bytes(client.streams[echoed].data).startswith(b"16384 ")
        assert client.h2.local_flow_control_window(held) == 0  # still nothing read there
        seen.release()
        client.read(lambda: client.done(held))
        assert client.streams[held].status == 200
        client.close()


def test_the_unread_body_of_a_finished_stream_reopens_the_connection_window() -> None:
    seen = Seen()
    options = {"h2_initial_window_size": 16384, "timeout_graceful_shutdown": 2}
    with serve(make_app(seen), **options) as running:  # connection window: 4 x 16384
        client = RawH2(running)
        client.read(lambda: SettingCodes.INITIAL_WINDOW_SIZE in client.remote_settings)
        held = [client.request("/held", "POST", b"a" * 16384, end=False) for _ in range(4)]
        assert client.h2.outbound_flow_control_window == 0
        wait_until(seen.held.is_set, "the app holds a request")
        seen.release()  # answered without reading their bodies
        client.read(lambda: all(client.done(stream) for stream in held))
        # Enough of the window back for another body (h2 may hold back a last update until
        # half the window is used, so the whole of it need not be back yet).
        client.read(lambda: client.h2.outbound_flow_control_window >= 16384)
        after = client.request("/echo", "POST", b"b" * 16384)
        client.read(lambda: client.done(after))
        assert bytes(client.streams[after].data).startswith(b"16384 ")
        client.close()


def test_rst_stream_gives_the_app_a_disconnect() -> None:
    seen = Seen()
    with serve(make_app(seen), timeout_graceful_shutdown=2) as running:
        client = RawH2(running)
        stream = client.request("/until-disconnect")
        client.read(lambda: bytes(client.streams[stream].data) == b"started")
        client.h2.reset_stream(stream, ErrorCodes.CANCEL)
        client.flush()
        assert seen.disconnected.wait(5)
        other = client.request("/after")  # the connection lives on
        client.read(lambda: client.done(other))
        assert client.streams[other].status == 200
        client.close()


def test_streams_past_the_limit_are_refused() -> None:
    seen = Seen()
    with serve(make_app(seen), timeout_graceful_shutdown=2, h2_max_concurrent_streams=2) as running:
        client = RawH2(running)
        first, second, third = (client.request("/held") for _ in range(3))
        client.read(lambda: client.done(third))
        assert client.streams[third].reset == ErrorCodes.REFUSED_STREAM
        wait_until(seen.held.is_set, "the app holds a request")
        seen.release()
        client.read(lambda: client.done(first) and client.done(second))
        assert [client.streams[s].status for s in (first, second)] == [200, 200]
        client.close()


def test_shutdown_sends_goaway_and_lets_open_streams_finish() -> None:
    seen = Seen()
    with serve(make_app(seen), timeout_graceful_shutdown=2) as running:
        client = RawH2(running)
        stream = client.request("/held")
        wait_until(seen.held.is_set, "the app holds a request")
        running.server.should_exit = True
        client.read(lambda: client.goaway is not None)
        assert client.goaway is not None and client.goaway.last_stream_id == stream
        assert not client.done(stream)
        seen.release()
        client.read(lambda: client.closed and client.done(stream))
        assert bytes(client.streams[stream].data) == b"released"
        client.close()


def test_an_idle_connection_gets_goaway_then_closes() -> None:
    with serve(make_app(Seen()), timeout_keep_alive=0.2) as running:
        client = RawH2(running)
        stream = client.request("/")
        client.read(lambda: client.done(stream))
        client.read(lambda: client.closed)
        assert client.goaway is not None and client.goaway.error_code == ErrorCodes.NO_ERROR
        client.close()


def test_the_preface_in_two_reads_still_hands_over_to_http2() -> None:
    with serve(make_app(Seen())) as running:

        def in_two_reads(sock: socket.socket, preface: bytes) -> None:
            sock.sendall(preface[:18])  # "PRI * HTTP/2.0\r\n\r\n": llhttp waits for more
            wait_until(
                lambda: any(getattr(c, "_head_bytes", 0) == 18 for c in _connections(running)),
                "the server read the preface's first part",
            )
            sock.sendall(preface[18:])

        client = RawH2(running, split_preface=in_two_reads)
        stream = client.request("/split")
        client.read(lambda: client.done(stream))
        assert bytes(client.streams[stream].data) == b"GET /split  2"
        client.close()


def test_http1_only_refuses_the_preface() -> None:
    with serve(make_app(Seen()), http="h1") as running:
        raw = socket.create_connection((running.host, running.port), timeout=5)
        raw.sendall(PREFACE)
        assert read_until_closed(raw).startswith(b"HTTP/1.1 400 ")
        raw.close()


def _connections(running: object) -> list[object]:
    state = running.server.state  # type: ignore[attr-defined]
    return list(state.connections) if state is not None else []
