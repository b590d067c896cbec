"""Per-request CPU cost of Squall's HTTP/2 (h2c), without sockets: bench/micro_server.py's twin.

One connection; each loop callback feeds the HEADERS frame of one ``GET /baseline?a=1&b=2``
(a new stream, HPACK-encoded by an ``h2`` client, so the common headers are indexed as a real
client's are).  For callgrind (instructions per request, deterministic):

    python -m bench.micro_h2 --requests N --save-frames /tmp/frames-N   # encoded once, here
    valgrind --tool=callgrind .venv/bin/python -m bench.micro_h2 --rounds 1 --frames /tmp/frames-N

``--codec h2`` measures the server on the h2 library instead of our codec (``--h2-codec``).
(the client's encoding is kept out of the count by making the frames in another process).
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import time
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.settings

from bench.apps.asgi_raw import app as seed_asgi_app
from bench.micro_server import FakeTransport
from squall.server.config import Config
from squall.server.http2.choice import http2_codec
from squall.server.http2.connection import H2Protocol
from squall.server.http2.library import new_connection
from squall.server.main import native_handler, new_event_loop
from squall.server.state import ServerState

HEADERS = [
    (b":method", b"GET"),
    (b":scheme", b"http"),
    (b":authority", b"127.0.0.1:8000"),
    (b":path", b"/baseline?a=1&b=2"),
]


POST_HEADERS = [
    (b":method", b"POST"),
    (b":scheme", b"http"),
    (b":authority", b"127.0.0.1:8000"),
    (b":path", b"/user"),
    (b"content-type", b"application/json"),
    (b"content-length", b"52"),
]
POST_BODY = b'{"id": 1, "name": "user", "email": "user@email.com"}'  # the seed's (micro_server)


def client_frames(requests: int, post: bool = False) -> tuple[bytes, list[bytes]]:
    """The client's preface (with a connection window wide open) and one HEADERS per request
    (``post``: HEADERS and a DATA frame of the seed's POST /user, in one read)."""
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    client.initiate_connection()
    client.increment_flow_control_window(2**31 - 1 - 65535)
    preface = client.data_to_send()
    if post:  # the bodies need windows: what a server opening them all would send
        client.receive_data(open_windows())
        client.data_to_send()  # (the ACK, not fed to the measured server)
    frames = []
    for _ in range(requests):
        stream_id = client.get_next_available_stream_id()
        if post:
            client.send_headers(stream_id, POST_HEADERS)
            client.send_data(stream_id, POST_BODY, end_stream=True)
        else:
            client.send_headers(stream_id, HEADERS, end_stream=True)
        frames.append(client.data_to_send())
        client.reset_stream(stream_id)  # closed on the client's side (no HPACK change):
        client.data_to_send()  # else h2 walks every open stream per new one, quadratically
    return preface, frames


def open_windows() -> bytes:
    """A server's SETTINGS and WINDOW_UPDATE opening the stream and connection windows."""
    server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    server.local_settings = h2.settings.Settings(
        client=False, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 2**31 - 1}
    )
    server.initiate_connection()
    server.increment_flow_control_window(2**31 - 1 - 65535)
    return server.data_to_send()


def switch_off(conn: h2.connection.H2Connection, knobs: list[str]) -> None:
    """Turn off h2 configuration options (``validate_inbound_headers``...), to see their cost."""
    for knob in knobs:
        setattr(conn.config, knob, False)


async def measure(
    app: Any, preface: bytes, frames: list[bytes], off: list[str], codec: str
) -> float:
    loop = asyncio.get_running_loop()
    config = Config(app=app, access_log=False, h2_codec=codec)  # type: ignore[arg-type]
    state = ServerState(config, app, loop)
    state.native = native_handler(app)
    requests = len(frames)
    protocol = H2Protocol(state, preface, http2_codec(config))
    if off:
        switch_off(protocol.h2, off)
    protocol.connection_made(FakeTransport())  # type: ignore[arg-type]
    feed = protocol.data_received
    done: asyncio.Future[None] = loop.create_future()
    pending = iter(frames)

    def read() -> None:
        frame = next(pending, None)
        if frame is None:
            done.set_result(None)
            return
        feed(frame)
        loop.call_soon(read)

    start = time.perf_counter()
    loop.call_soon(read)
    await done
    while state.active_requests:
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - start
    assert state.total_requests == requests, (state.total_requests, requests)
    protocol.connection_lost(None)
    await asyncio.sleep(0)  # the connection's worker task ends
    return elapsed / requests * 1e6


# What Squall answers GET /baseline?a=1&b=2 with (the raw ASGI app's head, Date and Server).
RESPONSE_HEAD = [
    (b":status", b"200"),
    (b"content-type", b"application/json"),
    (b"content-length", b"1"),
    (b"date", b"Tue, 01 Dec 2026 03:00:00 GMT"),
    (b"server", b"squall"),
]


def h2_share(preface: bytes, frames: list[bytes], off: list[str]) -> float:
    """The h2 library's share alone: the same frames into an ``H2Connection`` configured as
    Squall's, each stream answered with the same head and body, no asyncio and no app."""
    conn = new_connection(Config(app=seed_asgi_app))
    switch_off(conn, off)
    conn.receive_data(preface)
    conn.data_to_send()
    start = time.perf_counter()
    for frame in frames:
        for event in conn.receive_data(frame):
            if isinstance(event, h2.events.RequestReceived):
                stream_id: int = event.stream_id  # type: ignore[assignment]
                conn.send_headers(stream_id, RESPONSE_HEAD)
                conn.local_flow_control_window(stream_id)
                conn.send_data(stream_id, b"3", end_stream=True)
        conn.data_to_send()
    return (time.perf_counter() - start) / len(frames) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--app", default="", help="module:attr of another app to measure")
    parser.add_argument("--rounds", type=int, default=3, help="report the best of this many")
    parser.add_argument("--post", action="store_true", help="the seed's POST /user, not GET")
    parser.add_argument("--codec", choices=["squall", "h2"], default="squall", help="--h2-codec")
    parser.add_argument("--save-frames", help="write the client's frames here and stop")
    parser.add_argument("--frames", help="read the client's frames from here")
    parser.add_argument(
        "--h2-only", action="store_true", help="measure the h2 library's share alone (no server)"
    )
    parser.add_argument(
        "--h2-off",
        action="append",
        default=[],
        metavar="OPTION",
        help="an H2Configuration "
        "option to turn off (validate_inbound_headers...), to measure what it costs",
    )
    args = parser.parse_args()
    if args.frames:
        with open(args.frames, "rb") as file:
            preface, frames = pickle.load(file)
    else:
        preface, frames = client_frames(args.requests, args.post)
    if args.save_frames:
        with open(args.save_frames, "wb") as file:
            pickle.dump((preface, frames), file)
        return
    if args.h2_only:
        best = min(h2_share(preface, frames, args.h2_off) for _ in range(args.rounds))
        print(f"{best:.2f} us per request in h2 alone (best of {args.rounds})")
        return
    app: Any = Config(app=args.app).load_app() if args.app else seed_asgi_app
    loop = new_event_loop("auto")
    rounds = range(args.rounds)
    best = min(
        loop.run_until_complete(measure(app, preface, frames, args.h2_off, args.codec))
        for _ in rounds
    )
    loop.close()
    print(f"{best:.2f} us per request (best of {args.rounds}, {len(frames)} requests each)")


if __name__ == "__main__":
    main()
