"""Per-request CPU cost of Squall's HTTP/2 (h2c), without sockets: bench/micro_server.py's twin.

One connection; each loop callback feeds the HEADERS frame of one ``GET /baseline?a=1&b=2``
(a new stream, HPACK-encoded by an ``h2`` client, so the common headers are indexed as a real
client's are).  For callgrind (instructions per request, deterministic):

    python -m bench.micro_h2 --requests N --save-frames /tmp/frames-N   # encoded once, here
    valgrind --tool=callgrind .venv/bin/python -m bench.micro_h2 --rounds 1 --frames /tmp/frames-N

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

from bench.apps.asgi_raw import app as seed_asgi_app
from bench.micro_server import FakeTransport
from squall.server.config import Config
from squall.server.http2.connection import H2Protocol
from squall.server.main import native_handler, new_event_loop
from squall.server.state import ServerState

HEADERS = [
    (b":method", b"GET"),
    (b":scheme", b"http"),
    (b":authority", b"127.0.0.1:8000"),
    (b":path", b"/baseline?a=1&b=2"),
]


def client_frames(requests: int) -> tuple[bytes, list[bytes]]:
    """The client's preface (with a connection window wide open) and one HEADERS per request."""
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    client.initiate_connection()
    client.increment_flow_control_window(2**31 - 1 - 65535)
    preface = client.data_to_send()
    frames = []
    for _ in range(requests):
        stream_id = client.get_next_available_stream_id()
        client.send_headers(stream_id, HEADERS, end_stream=True)
        frames.append(client.data_to_send())
        client.reset_stream(stream_id)  # closed on the client's side (no HPACK change):
        client.data_to_send()  # else h2 walks every open stream per new one, quadratically
    return preface, frames


async def measure(app: Any, preface: bytes, frames: list[bytes]) -> float:
    loop = asyncio.get_running_loop()
    state = ServerState(Config(app=app, access_log=False), app, loop)
    state.native = native_handler(app)
    requests = len(frames)
    protocol = H2Protocol(state, preface)
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
    protocol.stop_idle_timer()
    return elapsed / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--app", default="", help="module:attr of another app to measure")
    parser.add_argument("--rounds", type=int, default=3, help="report the best of this many")
    parser.add_argument("--save-frames", help="write the client's frames here and stop")
    parser.add_argument("--frames", help="read the client's frames from here")
    args = parser.parse_args()
    if args.frames:
        with open(args.frames, "rb") as file:
            preface, frames = pickle.load(file)
    else:
        preface, frames = client_frames(args.requests)
    if args.save_frames:
        with open(args.save_frames, "wb") as file:
            pickle.dump((preface, frames), file)
        return
    app: Any = Config(app=args.app).load_app() if args.app else seed_asgi_app
    loop = new_event_loop("auto")
    rounds = range(args.rounds)
    best = min(loop.run_until_complete(measure(app, preface, frames)) for _ in rounds)
    loop.close()
    print(f"{best:.2f} us per request (best of {args.rounds}, {len(frames)} requests each)")


if __name__ == "__main__":
    main()
