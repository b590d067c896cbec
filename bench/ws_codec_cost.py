"""Instructions per WebSocket message for each codec (--ws), counted by callgrind.

Starts ``squall`` with the raw ASGI echo app under ``valgrind --tool=callgrind`` and echoes
K messages over one socket (a raw-socket client in this process, one message in flight),
for two values of K; the difference over the difference in K is the cost of one echo (a
frame parsed, the app's receive and send, a frame written), start-up cancelled out.

    python -m bench.ws_codec_cost --ws squall --size 5 --text
    python -m bench.ws_codec_cost --ws websockets --size 16384
    python -m bench.ws_codec_cost --app bench.apps.ws_native_probe:framework --text
    python -m bench.ws_codec_cost --app bench.apps.ws_native_probe:framework_json --json

Deterministic, so it can run on a busy machine; it is slow (valgrind): minutes per codec.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

APP = "tests.server.websocket.apps:echo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def connect(port: int, deadline: float) -> socket.socket:
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # the server is starting under valgrind: nothing to wait on


def read_exactly(sock: socket.socket, size: int) -> bytes:
    parts = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionError("server closed")
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def handshake(sock: socket.socket) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head


def masked_frame(opcode: int, payload: bytes) -> bytes:
    length = len(payload)
    if length < 126:
        head = bytes((0x80 | opcode, 0x80 | length))
    elif length < 0x10000:
        head = bytes((0x80 | opcode, 0xFE)) + length.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0xFF)) + length.to_bytes(8, "big")
    key = os.urandom(4)
    keys = (key * (length // 4 + 1))[:length]
    body = (int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")).to_bytes(
        length, "little"
    )
    return head + key + body


def read_frame(sock: socket.socket) -> bytes:
    _, second = read_exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(read_exactly(sock, 2), "big")
    elif length == 127:
        length = int.from_bytes(read_exactly(sock, 8), "big")
    return read_exactly(sock, length)


def echo(port: int, count: int, payload: bytes, text: bool) -> None:
    sock = connect(port, time.monotonic() + 900)  # valgrind on a busy machine: slow
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    handshake(sock)
    frame = masked_frame(1 if text else 2, payload)
    for _ in range(count):
        sock.sendall(frame)
        assert read_frame(sock) == payload
    sock.sendall(masked_frame(8, (1000).to_bytes(2, "big")))
    read_frame(sock)
    sock.close()


def payload_of(size: int, text: bool, json: bool) -> bytes:
    """What the client sends: ``size`` bytes of text, a JSON string of that size, or random
    binary."""
    if json:
        return b'"' + b"a" * max(size - 2, 0) + b'"'
    return b"a" * size if text else os.urandom(size)


def instructions(
    codec: str,
    count: int,
    payload: bytes,
    text: bool,
    app: str = APP,
    keep: str | None = None,
) -> int:
    """Total instructions the server ran to start, echo ``count`` messages and stop; the
    callgrind output is kept as ``{keep}-{count}.out`` when ``keep`` is given."""
    port = free_port()
    if keep:
        out = f"{keep}-{count}.out"
    else:
        out = tempfile.mktemp(prefix=f"ws-codec-{codec}-{count}-", suffix=".out")
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    command += [sys.executable, "-m", "squall", app, "--ws", codec, "--port", str(port)]
    command += ["--lifespan", "off", "--ws-ping-interval", "0", "--no-access-log"]
    env = dict(os.environ, PYTHONHASHSEED="0")
    server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    try:
        echo(port, count, payload, text)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=900)
    with open(out) as file:
        match = re.search(r"^summary: (\d+)", file.read(), re.MULTILINE)
    if not keep:
        os.unlink(out)
    assert match, "no summary line in the callgrind output"
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ws", default="squall")
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--text", action="store_true")
    parser.add_argument("--json", action="store_true", help="send a JSON string (as text)")
    parser.add_argument("--counts", default="2000,12000")
    parser.add_argument(
        "--app", default=APP, help="the echo app (e.g. bench.apps.ws_native_probe:framework)"
    )
    parser.add_argument(
        "--keep",
        metavar="PREFIX",
        help="keep the callgrind outputs as PREFIX-K.out (for callgrind_annotate)",
    )
    args = parser.parse_args()
    low, high = (int(n) for n in args.counts.split(","))
    text = args.text or args.json
    payload = payload_of(args.size, text, args.json)
    first = instructions(args.ws, low, payload, text, args.app, args.keep)
    second = instructions(args.ws, high, payload, text, args.app, args.keep)
    per_message = (second - first) / (high - low)
    kind = "JSON" if args.json else "text" if text else "binary"
    print(
        f"{args.app} --ws {args.ws} {kind} {args.size} B: {per_message:,.0f} instructions per echo "
        f"(totals {first:,} and {second:,})"
    )


if __name__ == "__main__":
    main()
