"""What an idle WebSocket costs the server in Python objects, and whose objects they are.

Serves APP on Squall's server in this process with ``tracemalloc`` on, opens N idle sockets
from a client process of its own (``tests/server/websocket/idle_clients.py``: raw sockets past
the handshake), and compares snapshots taken before and after: the bytes per socket, split
by the code that allocated them (Squall's server, Squall's framework, Starlette, asyncio or
uvloop, other) and the top allocation sites.

    python -m bench.ws_idle_memory --app bench.apps.ws_starlette:app
    python -m bench.ws_idle_memory --app bench.apps.ws_squall:app --sockets 1000 --top 20

tracemalloc sees what Python's allocators hand out (uvloop's objects too), not the C
library's own buffers (libuv's handles, the kernel's socket buffers): a floor of the RSS
growth that ``python -m bench --ws-echo`` reports.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from websockets.sync.client import connect

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAMES = 12  # traceback depth kept per allocation: enough to find the caller in our code
OWNERS = (  # (label, path fragment), first match wins, looked for from the innermost frame
    ("squall server", "/squall/server/"),
    ("squall framework", "/squall/"),
    ("starlette", "/starlette/"),
    ("asyncio / uvloop", "/asyncio/"),
    ("asyncio / uvloop", "/uvloop/"),
)


def load_app(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@contextmanager
def served(app: Any, loop: str, codec: str) -> Iterator[tuple[int, Any]]:
    """The app on Squall's server in a thread of this process: yields the port and the
    server's state (its connection set)."""
    sys.path.insert(0, REPO)
    from tests.server.serving import serve, server_state

    options = {"loop": loop, "ws": codec, "ws_per_message_deflate": False}
    with serve(app, backlog=4096, ws_ping_interval=0, **options) as running:
        yield running.port, server_state(running)


def echo_once(port: int) -> None:
    with connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as ws:
        ws.send("warm up")
        assert ws.recv(timeout=10) == "warm up"


def open_idle(port: int, count: int) -> subprocess.Popen[str]:
    clients = subprocess.Popen(
        [sys.executable, "-m", "tests.server.websocket.idle_clients", str(port), str(count), "/ws"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert clients.stdout is not None
    line = clients.stdout.readline()
    if line != f"open {count}\n":
        raise RuntimeError(f"the clients said {line!r}")
    return clients


def settled(state: Any, count: int) -> None:
    """Wait until the server holds ``count`` more connections and its apps sit idle."""
    deadline = time.monotonic() + 60
    while len(state.connections) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(state.connections)} of {count} connections after 60 s")
        time.sleep(0.05)
    time.sleep(0.5)  # let every app reach its first receive (nothing to wait on from here)


def owner(trace: tracemalloc.Traceback) -> str:
    for frame in reversed(trace):  # innermost last in tracemalloc's order: newest first
        for label, fragment in OWNERS:
            if fragment in frame.filename:
                return label
    return "other"


def site(trace: tracemalloc.Traceback) -> str:
    """The innermost frame in an owned file (else the innermost frame)."""
    for frame in reversed(trace):
        if any(fragment in frame.filename for _, fragment in OWNERS):
            return f"{short(frame.filename)}:{frame.lineno}"
    frame = trace[-1]
    return f"{short(frame.filename)}:{frame.lineno}"


def short(filename: str) -> str:
    for marker in ("/squall/", "/starlette/", "/asyncio/", "/uvloop/", "/site-packages/"):
        at = filename.rfind(marker)
        if at >= 0:
            return filename[at + 1 :]
    return filename


def measure(app_path: str, count: int, loop: str, codec: str, top: int) -> None:
    app = load_app(app_path)
    tracemalloc.start(FRAMES)
    with served(app, loop, codec) as (port, state):
        echo_once(port)
        time.sleep(0.2)
        gc.collect()
        base = len(state.connections)
        before = tracemalloc.take_snapshot()
        clients = open_idle(port, count)
        try:
            settled(state, base + count)
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            assert clients.stdin is not None
            clients.stdin.close()
            clients.wait(30)
    tracemalloc.stop()
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "traceback")
    by_owner: Counter[str] = Counter()
    by_site: Counter[str] = Counter()
    blocks: Counter[str] = Counter()
    for stat in stats:
        by_owner[owner(stat.traceback)] += stat.size_diff
        where = site(stat.traceback)
        by_site[where] += stat.size_diff
        blocks[where] += stat.count_diff
    total = sum(by_owner.values())
    print(f"{app_path} (loop {loop}, --ws {codec}): {count:,} idle sockets")
    print(f"traced Python memory per socket: {total / count:,.0f} B")
    for label, size in by_owner.most_common():
        print(f"  {label:18} {size / count:8,.0f} B")
    print(f"top {top} allocation sites (bytes and blocks per socket):")
    for where, size in by_site.most_common(top):
        print(f"  {size / count:8,.0f} B {blocks[where] / count:5.1f}  {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", default="bench.apps.ws_starlette:app", help="served at /ws")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--loop", default="uvloop", choices=("uvloop", "asyncio"))
    parser.add_argument("--ws", default="squall", help="the codec (--ws)")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    measure(args.app, args.sockets, args.loop, args.ws, args.top)


if __name__ == "__main__":
    main()
