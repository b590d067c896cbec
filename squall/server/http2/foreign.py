"""Another codec behind our core's calls: how the connection drives the ``h2`` library.

connection.py calls its codec as an :class:`~squall.server.http2.core.H2Core`, so that the
compiled connection makes native calls to our own codec (no attribute lookups, no boxing).
:class:`ForeignCodec` is an H2Core whose every call the connection makes goes to another
object with the same calls instead (library.py's ``LibraryCodec``, ``--h2-codec h2``); the
two attributes the connection reads are copied from it after each read.  Imports nothing of
h2: compiled with the hot path (hot_path.py), which must import without it.
"""

from __future__ import annotations

from typing import Any

from squall.server.http2.core import H2Core
from squall.server.http2.events import Event


class ForeignCodec(H2Core):
    def __init__(self, inner: Any) -> None:
        super().__init__()
        self.inner = inner
        self.sync()

    def sync(self) -> None:
        inner = self.inner
        self.highest_inbound_stream_id = inner.highest_inbound_stream_id
        self.max_outbound_frame_size = inner.max_outbound_frame_size

    def receive_data(self, data: bytes) -> list[Event]:
        events: list[Event] = self.inner.receive_data(data)
        self.sync()
        return events

    def data_to_send(self) -> bytes:
        return bytes(self.inner.data_to_send())

    def send_headers(
        self, stream_id: int, headers: list[tuple[bytes, bytes]], end_stream: bool = False
    ) -> None:
        self.inner.send_headers(stream_id, headers, end_stream=end_stream)

    def send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        self.inner.send_data(stream_id, data, end_stream=end_stream)

    def end_stream(self, stream_id: int) -> None:
        self.inner.end_stream(stream_id)

    def reset_stream(self, stream_id: int, error_code: int = 0) -> None:
        self.inner.reset_stream(stream_id, error_code)

    def acknowledge_received_data(self, size: int, stream_id: int) -> None:
        self.inner.acknowledge_received_data(size, stream_id)

    def local_flow_control_window(self, stream_id: int) -> int:
        return int(self.inner.local_flow_control_window(stream_id))
