"""HTTP/2 on the ``h2`` library (``--h2-codec h2``, the ``squall[http2]`` extra).

:class:`LibraryCodec` is h2's sans-IO ``H2Connection`` as connection.py's codec, in our
core's place (behind foreign.py's ``ForeignCodec``): the calls the connection makes have the
same names and arguments in both; what differs is turned into ours here: h2's events into
events.py's, h2's connection errors into ConnectionError_ (its DenialOfServiceError, the
defences', is ENHANCE_YOUR_CALM).  Set once per connection: h2's knobs, and the defences'
frame buffer and HPACK decoder in place of h2's (frame_guard.py, hpack_guard.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import h2.events
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.exceptions import DenialOfServiceError, ProtocolError
from h2.settings import SettingCodes, Settings

from squall.server.http2.defences import FrameBudget
from squall.server.http2.errors import ENHANCE_YOUR_CALM, ConnectionError_
from squall.server.http2.events import (
    ConnectionTerminated,
    DataReceived,
    Event,
    RemoteSettingsChanged,
    RequestReceived,
    StreamEnded,
    StreamReset,
    WindowUpdated,
)
from squall.server.http2.foreign import ForeignCodec
from squall.server.http2.frame_guard import GuardedFrameBuffer
from squall.server.http2.hpack_guard import BoundedDecoder
from squall.server.http2.settings import CONNECTION_WINDOW_STREAMS, DEFAULT_WINDOW
from squall.server.http2.websocket_stream import enabled

if TYPE_CHECKING:
    from squall.server.config import Config

# h2 treats a peer opening more streams than announced as a connection error; the server
# refuses the extra streams itself (REFUSED_STREAM, RFC 9113 5.1.2), so h2's own count is
# lifted out of the way.
UNLIMITED_STREAMS: Final = 2**31 - 1


class LibraryCodec(H2Connection):
    """h2's connection as the protocol's codec: its events and errors turned into ours."""

    def receive_data(self, data: bytes) -> list[Event]:  # type: ignore[override]
        try:
            received = super().receive_data(data)
        except DenialOfServiceError as exc:  # defences.py's, or h2's own
            raise ConnectionError_(ENHANCE_YOUR_CALM, str(exc)) from exc
        except ProtocolError as exc:  # h2 has queued GOAWAY with its code
            raise ConnectionError_(int(exc.error_code), str(exc)) from exc
        events: list[Event] = []
        for event in received:
            ours = translated(event)
            if ours is not None:
                events.append(ours)
        return events


def translated(event: h2.events.Event) -> Event | None:
    """Our event for one of h2's, or None for those the connection has no use for."""
    if isinstance(event, h2.events.DataReceived):
        data = DataReceived(event.stream_id, event.data, event.flow_controlled_length)  # type: ignore[arg-type]
        data.stream_ended = ended(event.stream_ended)
        return data
    if isinstance(event, h2.events.RequestReceived):
        request = RequestReceived(event.stream_id, event.headers)  # type: ignore[arg-type]
        request.stream_ended = ended(event.stream_ended)
        return request
    if isinstance(event, h2.events.StreamEnded):
        return StreamEnded(event.stream_id)  # type: ignore[arg-type]
    if isinstance(event, h2.events.WindowUpdated):
        return WindowUpdated(event.stream_id, event.delta)  # type: ignore[arg-type]
    if isinstance(event, h2.events.StreamReset):  # counted as the peer's (rapid reset)
        return StreamReset(event.stream_id, int(event.error_code), True)  # type: ignore[arg-type]
    if isinstance(event, h2.events.RemoteSettingsChanged):
        return RemoteSettingsChanged({})
    if isinstance(event, h2.events.ConnectionTerminated):
        return ConnectionTerminated(
            int(event.error_code),  # type: ignore[arg-type]
            event.last_stream_id,  # type: ignore[arg-type]
            event.additional_data or b"",
        )
    return None


def ended(event: h2.events.StreamEnded | None) -> StreamEnded | None:
    return None if event is None else StreamEnded(event.stream_id)  # type: ignore[arg-type]


def new_codec(config: Config) -> ForeignCodec:
    """The codec of ``--h2-codec h2``: h2's connection behind our core's calls."""
    return ForeignCodec(new_connection(config))


def new_connection(config: Config) -> LibraryCodec:
    """A server-side h2 connection whose first bytes out are our SETTINGS."""
    h2 = LibraryCodec(
        H2Configuration(
            client_side=False,
            header_encoding=None,
            validate_inbound_headers=True,  # RFC 9113, 8.2 and 8.3: h2's checks stay
            # Done by Squall, in walks the headers get anyway (cheaper): the cookie fields
            # joined (request.py), the response heads made as h2 would send them (stream.py).
            normalize_inbound_headers=False,
            normalize_outbound_headers=False,
            validate_outbound_headers=False,
        )
    )
    # In force from the start (not pending until the peer's ACK): h2 sends what is current.
    h2.local_settings = _settings(config, config.h2_max_concurrent_streams)
    h2.initiate_connection()
    h2.local_settings = _settings(config, UNLIMITED_STREAMS)
    h2.max_inbound_frame_size = config.h2_max_frame_size
    guard(h2, config)
    grow = config.h2_initial_window_size * CONNECTION_WINDOW_STREAMS - DEFAULT_WINDOW
    if grow > 0:
        h2.increment_flow_control_window(grow)
    return h2


def guard(h2: H2Connection, config: Config) -> None:
    """Put the defences' frame buffer and HPACK decoder in place of h2's (defences.py)."""
    limit = config.h2_max_header_list_size
    budget = FrameBudget(config.h2_max_concurrent_streams)
    h2.incoming_buffer = GuardedFrameBuffer(limit, budget)
    decoder = BoundedDecoder()
    decoder.max_header_list_size = limit
    h2.decoder = decoder


def _settings(config: Config, max_concurrent_streams: int) -> Settings:
    values = {
        SettingCodes.MAX_CONCURRENT_STREAMS: max_concurrent_streams,
        SettingCodes.INITIAL_WINDOW_SIZE: config.h2_initial_window_size,
        SettingCodes.MAX_FRAME_SIZE: config.h2_max_frame_size,
        SettingCodes.MAX_HEADER_LIST_SIZE: config.h2_max_header_list_size,
    }
    if enabled(config):  # RFC 8441: WebSocket over HTTP/2 (websocket_stream.py)
        values[SettingCodes.ENABLE_CONNECT_PROTOCOL] = 1
    return Settings(client=False, initial_values=values)
