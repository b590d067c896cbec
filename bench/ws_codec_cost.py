"""Instructions per WebSocket message for each codec (--ws), counted by callgrind.

Starts ``squall`` with the raw ASGI echo app under ``valgrind --tool=callgrind`` and echoes
K messages over one socket (a raw-socket client in this process, one message in flight),
for two values of K; the difference over the difference in K is the cost of one echo (a
frame parsed, the app's receive and send, a frame written), start-up cancelled out.

    python -m bench.ws_codec_cost --ws squall --size 5 --text
    python -m bench.ws_codec_cost --ws websockets --size 16384
    python -m bench.ws_codec_cost --app bench.apps.ws_native_probe:framework --text
    python -m bench.ws_codec_cost --app bench.apps.ws_native_probe:framework_json --json
    python -m bench.ws_codec_cost --server picows --text      (the raw picows server, at /ws)
    python -m bench.ws_codec_cost --deflate --size 16384      (permessage-deflate both ways)

``--server picows`` measures the bench's raw picows server (``bench/apps/ws_picows_server.py``)
the same way: the floor Squall is compared with.  ``--deflate`` offers permessage-deflate and
compresses what the client sends (the server inflates and deflates each message).

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
import zlib
from collections.abc import Callable

APP = "tests.server.websocket.apps:echo"
PICOWS_MODULE = "bench.apps.ws_picows_server"
DEFLATE_TAIL = b"\x00\x00\xff\xff"  # what each compressed message leaves off (RFC 7692)


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


def handshake(sock: socket.socket, path: str, deflate: bool) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else ""
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head
    assert not deflate or b"permessage-deflate" in head.lower(), "deflate was not accepted"


def masked_frame(opcode: int, payload: bytes, rsv1: bool = False) -> bytes:
    length = len(payload)
    first = 0x80 | (0x40 if rsv1 else 0) | opcode
    if length < 126:
        head = bytes((first, 0x80 | length))
    elif length < 0x10000:
        head = bytes((first, 0xFE)) + length.to_bytes(2, "big")
    else:
        head = bytes((first, 0xFF)) + length.to_bytes(8, "big")
    key = os.urandom(4)
    keys = (key * (length // 4 + 1))[:length]
    body = (int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")).to_bytes(
        length, "little"
    )
    return head + key + body


def read_frame(sock: socket.socket) -> tuple[bool, bytes]:
    """The next server frame: whether RSV1 (compressed) is set, and its payload."""
    first, second = read_exactly(sock, 2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(read_exactly(sock, 2), "big")
    elif length == 127:
        length = int.from_bytes(read_exactly(sock, 8), "big")
    return bool(first & 0x40), read_exactly(sock, length)


class Deflate:
    """The client's permessage-deflate, both contexts kept across messages."""

    def __init__(self) -> None:
        self.compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
        self.decompressor = zlib.decompressobj(-15)

    def frame(self, opcode: int, payload: bytes) -> bytes:
        data = self.compressor.compress(payload) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        return masked_frame(opcode, data[: -len(DEFLATE_TAIL)], rsv1=True)

    def inflate(self, data: bytes) -> bytes:
        return self.decompressor.decompress(data + DEFLATE_TAIL)


def echo(port: int, count: int, payload: bytes, text: bool, path: str, deflate: bool) -> None:
    sock = connect(port, time.monotonic() + 900)  # valgrind on a busy machine: slow
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    handshake(sock, path, deflate)
    opcode = 1 if text else 2
    frame = masked_frame(opcode, payload)
    compression = Deflate() if deflate else None
    for _ in range(count):
        if compression is not None:
            frame = compression.frame(opcode, payload)
        sock.sendall(frame)
        compressed, data = read_frame(sock)
        if compressed:
            assert compression is not None, "a compressed frame without permessage-deflate"
            data = compression.inflate(data)
        assert data == payload
    sock.sendall(masked_frame(8, (1000).to_bytes(2, "big")))
    read_frame(sock)
    sock.close()


def payload_of(size: int, text: bool, json: bool) -> bytes:
    """What the client sends: ``size`` bytes of text, a JSON string of that size, or random
    binary."""
    if json:
        return b'"' + b"a" * max(size - 2, 0) + b'"'
    return b"a" * size if text else os.urandom(size)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def server_command(server: str, app: str, codec: str, port: int) -> list[str]:
    """The server to measure: Squall serving ``app`` with ``codec``, or the raw picows one."""
    if server == "picows":
        return [sys.executable, "-m", PICOWS_MODULE, "--port", str(port)]
    command = [sys.executable, "-m", "squall", app, "--ws", codec, "--port", str(port)]
    return [*command, "--lifespan", "off", "--ws-ping-interval", "0", "--no-access-log"]


def instructions(
    codec: str,
    count: int,
    payload: bytes,
    text: bool,
    app: str = APP,
    keep: str | None = None,
    server_name: str = "squall",
    path: str = "/",
    deflate: bool = False,
) -> int:
    """Total instructions the server ran to start, echo ``count`` messages and stop; the
    callgrind output is kept as ``{keep}-{count}.out`` when ``keep`` is given."""
    port = free_port()
    if keep:
        out = f"{keep}-{count}.out"
    else:
        out = tempfile.mktemp(prefix=f"ws-codec-{codec}-{count}-", suffix=".out")
    server = server_command(server_name, app, codec, port)
    return callgrind_total(
        server, out, keep, lambda: echo(port, count, payload, text, path, deflate)
    )


def callgrind_total(
    server: list[str], out: str, keep: str | None, client: Callable[[], None]
) -> int:
    """Total instructions of ``server`` under callgrind while ``client`` runs, then stopped
    with SIGINT (callgrind's output at ``out``, removed unless ``keep``)."""
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *server]
    env = dict(os.environ, PYTHONHASHSEED="0")
    # SIGINT stops the server: a shell's background job inherits it ignored, so restore it.
    process = subprocess.Popen(
        command, env=env, stderr=subprocess.DEVNULL, preexec_fn=_default_sigint
    )
    try:
        client()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=900)
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
        "--server",
        choices=("squall", "picows"),
        default="squall",
        help="picows: the bench's raw picows server (--app and --ws do not apply)",
    )
    parser.add_argument("--path", help="the socket's path (default: / for squall, /ws for picows)")
    parser.add_argument("--deflate", action="store_true", help="permessage-deflate both ways")
    parser.add_argument(
        "--keep",
        metavar="PREFIX",
        help="keep the callgrind outputs as PREFIX-K.out (for callgrind_annotate)",
    )
    args = parser.parse_args()
    low, high = (int(n) for n in args.counts.split(","))
    text = args.text or args.json
    payload = payload_of(args.size, text, args.json)
    path = args.path or ("/ws" if args.server == "picows" else "/")
    options = (args.app, args.keep, args.server, path, args.deflate)
    first = instructions(args.ws, low, payload, text, *options)
    second = instructions(args.ws, high, payload, text, *options)
    per_message = (second - first) / (high - low)
    kind = "JSON" if args.json else "text" if text else "binary"
    what = "picows" if args.server == "picows" else f"{args.app} --ws {args.ws}"
    deflated = " deflated" if args.deflate else ""
    print(
        f"{what} {kind} {args.size} B{deflated}: {per_message:,.0f} instructions per echo "
        f"(totals {first:,} and {second:,})"
    )


if __name__ == "__main__":
    main()
