"""Instructions per WebSocket echo over HTTP/2 (RFC 8441), counted by callgrind.

``bench/ws_codec_cost.py`` over an h2c connection: Squall serves the raw ASGI echo app under
``valgrind --tool=callgrind``; a client in this process (the ``h2`` library, prior knowledge)
opens one extended CONNECT stream and echoes K messages over it, one in flight, for two values
of K; the difference over the difference in K is the server's cost of one echo (DATA in,
a frame parsed, the app's receive and send, a frame out in DATA, the window updates).

    python -m bench.ws_h2_cost --h2-codec squall --size 5 --text
    python -m bench.ws_h2_cost --h2-codec h2 --size 16384

No load generator speaks RFC 8441 (h2load does not), and a Python client could not load the
server anyway: the server's CPU per message, measured deterministically, is the comparison
with HTTP/1.1 (``python -m bench.ws_codec_cost`` with the same app, size and kind).
``--h2-codec`` is the server's option of that name.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time

from bench.ws_codec_cost import APP, callgrind_total, connect, free_port, masked_frame, payload_of

CONNECT_HEAD = [
    (b":method", b"CONNECT"),
    (b":protocol", b"websocket"),
    (b":scheme", b"http"),
    (b":path", b"/"),
    (b":authority", b"127.0.0.1"),
    (b"sec-websocket-version", b"13"),
]


class EchoClient:
    """One extended CONNECT stream over a blocking socket, echoing one message at a time."""

    def __init__(self, sock: socket.socket) -> None:
        import h2.config
        import h2.connection
        import h2.events

        self.events = h2.events
        self.sock = sock
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding=None)
        )
        self.h2.initiate_connection()
        self.stream_id = 0
        self.status = b""
        self.data = bytearray()
        self.send()

    def send(self) -> None:
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def receive(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed")
        for event in self.h2.receive_data(chunk):
            if isinstance(event, self.events.ResponseReceived):
                self.status = dict(event.headers)[b":status"]  # type: ignore[arg-type]
            elif isinstance(event, self.events.DataReceived):
                self.data += event.data  # type: ignore[operator]
                size = event.flow_controlled_length
                if size:
                    self.h2.acknowledge_received_data(size, event.stream_id)  # type: ignore[arg-type]
        self.send()

    def open(self) -> None:
        self.stream_id = self.h2.get_next_available_stream_id()
        self.h2.send_headers(self.stream_id, CONNECT_HEAD)
        self.send()
        while not self.status:
            self.receive()
        assert self.status == b"200", self.status

    def send_frame(self, frame: bytes) -> None:
        size = self.h2.max_outbound_frame_size
        for start in range(0, len(frame), size):
            self.h2.send_data(self.stream_id, frame[start : start + size])
        self.send()

    def next_payload(self) -> bytes:
        """The payload of the server's next (unmasked, unfragmented) frame."""
        while True:
            parsed = frame_at(self.data)
            if parsed is not None:
                payload, end = parsed
                del self.data[:end]
                return payload
            self.receive()


def frame_at(data: bytearray) -> tuple[bytes, int] | None:
    if len(data) < 2:
        return None
    length, pos = data[1] & 0x7F, 2
    if length >= 126:
        size = 2 if length == 126 else 8
        if len(data) < pos + size:
            return None
        length, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
    if len(data) < pos + length:
        return None
    return bytes(data[pos : pos + length]), pos + length


def echo(port: int, count: int, payload: bytes, text: bool) -> None:
    sock = connect(port, time.monotonic() + 900)  # valgrind on a busy machine: slow
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client = EchoClient(sock)
    client.open()
    frame = masked_frame(1 if text else 2, payload)
    for _ in range(count):
        client.send_frame(frame)
        assert client.next_payload() == payload
    client.send_frame(masked_frame(8, (1000).to_bytes(2, "big")))
    client.next_payload()
    sock.close()


def instructions(
    codec: str, count: int, payload: bytes, text: bool, app: str, keep: str | None = None
) -> int:
    """Total instructions the server ran to start, echo ``count`` messages over h2c and stop;
    the callgrind output is kept as ``{keep}-{count}.out`` when ``keep`` is given."""
    port = free_port()
    if keep:
        out = f"{keep}-{count}.out"
    else:
        out = tempfile.mktemp(prefix=f"ws-h2-{codec}-{count}-", suffix=".out")
    squall = [app, "--port", str(port), "--lifespan", "off", "--ws-ping-interval", "0"]
    squall += ["--no-access-log", "--http", "h2", "--h2-codec", codec]
    server = [sys.executable, "-m", "squall", *squall]
    return callgrind_total(server, out, keep, lambda: echo(port, count, payload, text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--h2-codec", choices=("squall", "h2"), default="squall")
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--text", action="store_true")
    parser.add_argument("--counts", default="2000,12000")
    parser.add_argument("--app", default=APP)
    parser.add_argument("--keep", metavar="PREFIX", help="keep the outputs as PREFIX-K.out")
    args = parser.parse_args()
    low, high = (int(n) for n in args.counts.split(","))
    payload = payload_of(args.size, args.text, False)
    options = (args.text, args.app, args.keep)
    first = instructions(args.h2_codec, low, payload, *options)
    second = instructions(args.h2_codec, high, payload, *options)
    per_message = (second - first) / (high - low)
    kind = "text" if args.text else "binary"
    print(
        f"{args.app} over h2c (--h2-codec {args.h2_codec}) {kind} {args.size} B: "
        f"{per_message:,.0f} instructions per echo (totals {first:,} and {second:,})"
    )


if __name__ == "__main__":
    main()
