"""A raw HTTP/2 client for frame-level tests: the ``h2`` library over a real, blocking socket.

It sends exactly what a test asks for (no automatic WINDOW_UPDATE unless asked), and collects
the server's events per stream, so a test can see windows, resets and GOAWAY frames.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events
import h2.settings

from tests.server.serving import Running

GOAWAY = 7  # the frame type (RFC 9113, 6.8)


@dataclass
class GoAway:
    last_stream_id: int
    error_code: int


@dataclass
class StreamLog:
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    ended: bool = False
    reset: int | None = None  # the RST_STREAM error code, if reset
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)

    @property
    def status(self) -> int:
        return int(dict(self.headers)[b":status"])


class RawH2:
    def __init__(
        self,
        running: Running,
        window: int | None = None,
        ack_data: bool = True,
        split_preface: Callable[[socket.socket, bytes], None] | None = None,
        receive_buffer: int | None = None,
    ) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:  # before connecting: the TCP window is set then
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(5)
        self.sock.connect((running.host, running.port))
        self.h2 = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding=None)
        )
        self.ack_data = ack_data  # open the windows again as DATA arrives
        self.closed = False
        self.authority = f"{running.host}:{running.port}".encode()
        if window is not None:
            self.h2.local_settings = h2.settings.Settings(
                client=True, initial_values={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window}
            )
        self.h2.initiate_connection()
        if split_preface is not None:  # sends the preface its own way
            split_preface(self.sock, self.h2.data_to_send())
        self.flush()
        self.streams: dict[int, StreamLog] = {}
        # Kept from h2, which would refuse the frames of the streams still being answered.
        self.goaway: GoAway | None = None
        self.unread = b""  # the start of a frame not received in full
        self.remote_settings: dict[int, int] = {}

    def flush(self) -> None:
        data = self.h2.data_to_send()
        if data and not self.closed:
            try:
                self.sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):  # the server has closed
                self.closed = True

    def request(
        self,
        path: str,
        method: str = "GET",
        body: bytes | None = None,
        end: bool = True,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> int:
        stream_id = self.h2.get_next_available_stream_id()
        headers = [
            (b":method", method.encode()),
            (b":scheme", b"http"),
            (b":authority", self.authority),
            (b":path", path.encode()),
            *(extra or ()),
        ]
        self.streams[stream_id] = StreamLog()
        self.h2.send_headers(stream_id, headers, end_stream=end and body is None)
        if body is not None:
            self.h2.send_data(stream_id, body, end_stream=end)
        self.flush()
        return stream_id

    def read(self, until: Callable[[], bool], limit: float = 5.0) -> None:
        """Read and handle frames until ``until()`` holds; AssertionError after ``limit`` s."""
        deadline = time.monotonic() + limit
        while not until():
            if not self.read_for(deadline - time.monotonic()):
                raise AssertionError("the expected frames did not come")
            if self.closed and not until():
                raise AssertionError("the server closed the connection")

    def quiet_for(self, seconds: float) -> None:
        """Read whatever comes for ``seconds`` (to show that something does not)."""
        deadline = time.monotonic() + seconds
        while not self.closed and self.read_for(deadline - time.monotonic()):
            pass

    def read_for(self, seconds: float) -> bool:
        """Handle what one read brings within ``seconds``; False if the time is up."""
        if seconds <= 0:
            return False
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            return False
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            return True
        for event in self.h2.receive_data(self.without_goaway(data)):
            self.handle(event)
        self.flush()
        return True

    def without_goaway(self, data: bytes) -> bytes:
        """The whole frames in what was read, minus GOAWAY (noted in ``self.goaway``)."""
        buffer = self.unread + data
        kept = bytearray()
        while len(buffer) >= 9:
            end = 9 + int.from_bytes(buffer[:3], "big")
            if len(buffer) < end:
                break
            if buffer[3] == GOAWAY:
                last = int.from_bytes(buffer[9:13], "big") & 0x7FFFFFFF
                self.goaway = GoAway(last, int.from_bytes(buffer[13:17], "big"))
            else:
                kept += buffer[:end]
            buffer = buffer[end:]
        self.unread = buffer
        return bytes(kept)

    def handle(self, event: h2.events.Event) -> None:
        stream_id = getattr(event, "stream_id", 0)
        log = self.streams.get(stream_id) if stream_id else None
        if isinstance(event, h2.events.ResponseReceived) and log is not None:
            log.headers = list(event.headers)  # type: ignore[arg-type]
        elif isinstance(event, h2.events.DataReceived) and log is not None:
            log.data += event.data  # type: ignore[operator]
            size = event.flow_controlled_length
            if self.ack_data and size:
                self.h2.acknowledge_received_data(size, stream_id)  # type: ignore[arg-type]
        elif isinstance(event, h2.events.TrailersReceived) and log is not None:
            log.trailers = list(event.headers)  # type: ignore[arg-type]
        elif isinstance(event, h2.events.StreamEnded) and log is not None:
            log.ended = True
        elif isinstance(event, h2.events.StreamReset) and log is not None:
            log.reset = int(event.error_code)  # type: ignore[arg-type]
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            for code, change in event.changed_settings.items():
                self.remote_settings[int(code)] = change.new_value

    def done(self, stream_id: int) -> bool:
        log = self.streams[stream_id]
        return log.ended or log.reset is not None

    def close(self) -> None:
        self.sock.close()
