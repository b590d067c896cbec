"""Instructions per request of the HTTP/2 codec alone: the ``h2`` library vs ours (core.py).

The same recorded client byte stream, curl-like HEADERS of ``GET /baseline?a=1&b=2`` (one
per read), goes through each codec, which answers every request with response HEADERS and a
DATA frame, as the connection does, with no app, event loop or socket around it.  callgrind
counts the instructions of a run of N and of M requests; (total(M) - total(N)) / (M - N) is
the cost of one request, start-up and recording excluded (the client's frames are made in
another process, and the ``none`` codec measures what reading them back costs).

    python -m bench.h2_codec_cost --measure                 # the table (valgrind, minutes)
    python -m bench.h2_codec_cost --codec squall --requests 100   # one run, checked
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

REQUEST = [
    (b":method", b"GET"),
    (b":scheme", b"http"),
    (b":authority", b"127.0.0.1:8000"),
    (b":path", b"/baseline?a=1&b=2"),
    (b"user-agent", b"curl/8.11.1"),
    (b"accept", b"*/*"),
]
RESPONSE = [
    (b":status", b"200"),
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", b"1"),
    (b"date", b"Tue, 01 Dec 2026 03:30:00 GMT"),
    (b"server", b"squall"),
]
BODY = b"3"
SIZES = (2000, 12000)
# name -> (codec, environment): the h2 library is Python either way.
VARIANTS = {
    "none": ("none", {}),
    "h2": ("h2", {}),
    "squall compiled": ("squall", {}),
    "squall source": ("squall", {"SQUALL_NO_COMPILE": "1"}),
}


def record(requests: int) -> tuple[bytes, list[bytes]]:
    """An h2 client's preface (its connection window wide open) and one HEADERS per request."""
    from h2.config import H2Configuration
    from h2.connection import H2Connection

    client = H2Connection(H2Configuration(client_side=True, header_encoding=None))
    client.initiate_connection()
    client.increment_flow_control_window(2**31 - 1 - 65535)
    preface = client.data_to_send()
    chunks = []
    for _ in range(requests):
        stream_id = client.get_next_available_stream_id()
        client.send_headers(stream_id, REQUEST, end_stream=True)
        chunks.append(client.data_to_send())
        client.reset_stream(stream_id)  # forgotten by the client (h2 would walk its open
        client.data_to_send()  # streams per new one); the server never sees the reset
    return preface, chunks


def h2_server() -> tuple[Any, type]:
    from h2.config import H2Configuration
    from h2.connection import H2Connection
    from h2.events import RequestReceived

    config = H2Configuration(client_side=False, header_encoding=None, validate_inbound_headers=True)
    connection = H2Connection(config)
    connection.initiate_connection()
    return connection, RequestReceived


def squall_server() -> tuple[Any, type]:
    from squall.server.http2.core import H2Core
    from squall.server.http2.events import RequestReceived

    connection = H2Core()
    connection.initiate_connection()
    return connection, RequestReceived


def serve(
    connection: Any,
    request_type: type,
    preface: bytes,
    chunks: list[bytes],
    sent: list[bytes] | None = None,
) -> int:
    """Feed the chunks, answer each request; the number answered (the bytes the server
    sends after each chunk are appended to ``sent`` if given)."""
    connection.receive_data(preface)
    connection.data_to_send()
    answered = 0
    for chunk in chunks:
        for event in connection.receive_data(chunk):
            if isinstance(event, request_type):
                stream_id = event.stream_id  # type: ignore[attr-defined]
                connection.send_headers(stream_id, RESPONSE)
                connection.send_data(stream_id, BODY, end_stream=True)
                answered += 1
        data = connection.data_to_send()
        if sent is not None:
            sent.append(data)
    return answered


def run(codec: str, frames_file: str) -> None:
    with open(frames_file, "rb") as file:
        preface, chunks = pickle.load(file)
    if codec == "none":
        print(sum(len(chunk) for chunk in chunks))
        return
    servers: dict[str, Callable[[], tuple[Any, type]]] = {"h2": h2_server, "squall": squall_server}
    connection, request_type = servers[codec]()
    answered = serve(connection, request_type, preface, chunks)
    assert answered == len(chunks), (answered, len(chunks))
    if codec == "squall":
        import squall.server.compiled

        print(f"squall ({squall.server.compiled.STATE})")


def instructions(out_file: str) -> int:
    with open(out_file) as file:
        for line in file:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no summary in {out_file}")


def measure(work: str, variants: list[str]) -> dict[str, float]:
    frames = {}
    for size in SIZES:
        frames[size] = os.path.join(work, f"frames-{size}")
        with open(frames[size], "wb") as file:
            pickle.dump(record(size), file)
    totals: dict[tuple[str, int], int] = {}
    for name in variants:
        codec, extra = VARIANTS[name]
        for size in SIZES:
            out = os.path.join(work, f"{codec}-{size}-{len(extra)}.out")
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            command += [sys.executable, "-m", "bench.h2_codec_cost", "--codec", codec]
            command += ["--frames", frames[size]]
            environment = {**os.environ, "PYTHONHASHSEED": "0", **extra}
            subprocess.run(command, check=True, env=environment, capture_output=True)
            totals[name, size] = instructions(out)
    small, large = SIZES
    per_request = {name: (totals[name, large] - totals[name, small]) / (large - small)
                   for name in variants}  # fmt: skip
    return per_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codec", choices=("none", "h2", "squall"), default="squall")
    parser.add_argument("--frames", help="the recorded client frames (else recorded here)")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--measure", action="store_true", help="the callgrind table")
    parser.add_argument(
        "--variants", nargs="+", choices=list(VARIANTS)[1:], default=list(VARIANTS)[1:]
    )
    args = parser.parse_args()
    if args.measure:
        with tempfile.TemporaryDirectory() as work:
            per_request = measure(work, ["none", *args.variants])
        reading = per_request.pop("none")
        print(f"reading the recorded frames: {reading:,.0f} instructions per request")
        for name, cost in per_request.items():
            print(f"{name:>16}: {cost - reading:>9,.0f} instructions per request (codec alone)")
        return
    if args.frames:
        run(args.codec, args.frames)
        return
    with tempfile.NamedTemporaryFile(suffix=".frames") as file:
        pickle.dump(record(args.requests), file)
        file.flush()
        run(args.codec, file.name)


if __name__ == "__main__":
    main()
