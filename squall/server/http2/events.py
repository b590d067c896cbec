"""What the codec (core.py) tells the connection: one object per thing that happened.

The names and fields are those the connection (connection.py) reads from the ``h2`` library's
events, so that switching codecs is a matter of imports.
"""

from __future__ import annotations


class Event:
    """The base of them all."""


class StreamEnded(Event):
    """The peer sent END_STREAM: the request (body) is complete."""

    def __init__(self, stream_id: int) -> None:
        self.stream_id = stream_id


class RequestReceived(Event):
    """A new stream's request headers, valid per RFC 9113 8.2/8.3.  ``stream_ended`` is the
    StreamEnded event that follows when the HEADERS frame carried END_STREAM."""

    def __init__(self, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.stream_id = stream_id
        self.headers = headers
        self.stream_ended: StreamEnded | None = None


class TrailersReceived(Event):
    def __init__(self, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.stream_id = stream_id
        self.headers = headers
        self.stream_ended: StreamEnded | None = None


class DataReceived(Event):
    """A DATA frame's payload; ``flow_controlled_length`` counts its padding too: what to
    acknowledge once the data is consumed."""

    def __init__(self, stream_id: int, data: bytes, flow_controlled_length: int) -> None:
        self.stream_id = stream_id
        self.data = data
        self.flow_controlled_length = flow_controlled_length
        self.stream_ended: StreamEnded | None = None


class StreamReset(Event):
    """The stream is over: the peer's RST_STREAM (``remote_reset``) or ours after a stream
    error of theirs."""

    def __init__(self, stream_id: int, error_code: int, remote_reset: bool) -> None:
        self.stream_id = stream_id
        self.error_code = error_code
        self.remote_reset = remote_reset


class WindowUpdated(Event):
    """A send window grew (stream 0: the connection's)."""

    def __init__(self, stream_id: int, delta: int) -> None:
        self.stream_id = stream_id
        self.delta = delta


class RemoteSettingsChanged(Event):
    def __init__(self, changed_settings: dict[int, int]) -> None:
        self.changed_settings = changed_settings


class SettingsAcknowledged(Event):
    pass


class PingReceived(Event):
    """A PING (answered already) with its 8 bytes."""

    def __init__(self, ping_data: bytes) -> None:
        self.ping_data = ping_data


class ConnectionTerminated(Event):
    """The peer's GOAWAY."""

    def __init__(self, error_code: int, last_stream_id: int, additional_data: bytes) -> None:
        self.error_code = error_code
        self.last_stream_id = last_stream_id
        self.additional_data = additional_data
