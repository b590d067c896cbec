"""Per-request CPU cost of Squall's HTTP/1.1 protocol, without sockets or a load generator.

Feeds the seed's POST /user request straight into an ``HttpConnection`` over a fake transport
and times many rounds: a stable number for tuning the hot path (wrk numbers on a shared
2-core machine move by 20% between runs; this moves by a few %).

    python -m bench.micro_server [--requests N] [--app MODULE:ATTR] [--query]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench.apps.asgi_raw import app as seed_asgi_app
from squall.server.config import Config
from squall.server.http11.connection import HttpConnection
from squall.server.main import native_handler, new_event_loop
from squall.server.state import ServerState

QUERY_REQUEST = b"GET /baseline?a=1&b=2 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"
REQUEST = (
    b"POST /user HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Length: 52\r\n"
    b"Content-Type: application/json\r\n\r\n"
    b'{"id": 1, "name": "user", "email": "user@email.com"}'
)


class FakeTransport:
    def __init__(self) -> None:
        self.written = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        self.written += 1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def measure(app: Any, requests: int, request: bytes = REQUEST) -> float:
    """Feed ``requests`` requests, each from a loop callback as a real socket read would."""
    loop = asyncio.get_running_loop()
    state = ServerState(Config(app=app, access_log=False), app, loop)
    state.native = native_handler(app)
    transport = FakeTransport()
    conn = HttpConnection(state)
    conn.connection_made(transport)  # type: ignore[arg-type]
    feed = conn.data_received
    done: asyncio.Future[None] = loop.create_future()
    remaining = requests

    def read() -> None:
        nonlocal remaining
        feed(request)
        remaining -= 1
        if remaining:
            loop.call_soon(read)
        else:
            done.set_result(None)

    start = time.perf_counter()
    loop.call_soon(read)
    await done
    while state.active_requests:
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - start
    assert transport.written == requests, (transport.written, requests)
    return elapsed / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--app", default="", help="module:attr of another app to measure")
    parser.add_argument("--rounds", type=int, default=3, help="report the best of this many")
    parser.add_argument(
        "--query", action="store_true", help="send GET /baseline?a=1&b=2 (bench --query)"
    )
    args = parser.parse_args()
    request = QUERY_REQUEST if args.query else REQUEST
    app: Any = seed_asgi_app
    if args.app:
        app = Config(app=args.app).load_app()
    loop = new_event_loop("auto")
    rounds = range(args.rounds)
    best = min(loop.run_until_complete(measure(app, args.requests, request)) for _ in rounds)
    loop.close()
    print(f"{best:.2f} us per request (best of {args.rounds}, {args.requests} requests each)")


if __name__ == "__main__":
    main()
