"""HTTP/2 on the ``h2`` library (``--h2-codec h2``, the ``squall[http2]`` extra).

:class:`LibraryProtocol` is connection.py's ``H2Protocol`` with h2's sans-IO
``H2Connection`` as its codec: the calls the connection makes have the same names and
arguments in both, and so do the events' fields; what differs is here: the event classes
dispatched on, the error h2 raises on a connection error, and the knobs set once per
connection, where the defences' frame buffer and HPACK decoder take the place of h2's
(frame_guard.py, hpack_guard.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import (
    ConnectionTerminated,
    DataReceived,
    RemoteSettingsChanged,
    RequestReceived,
    StreamEnded,
    StreamReset,
    WindowUpdated,
)
from h2.exceptions import DenialOfServiceError, ProtocolError
from h2.settings import SettingCodes, Settings

from squall.server.http2.connection import H2Protocol
from squall.server.http2.defences import FrameBudget
from squall.server.http2.frame_guard import GuardedFrameBuffer
from squall.server.http2.hpack_guard import BoundedDecoder
from squall.server.http2.settings import CONNECTION_WINDOW_STREAMS, DEFAULT_WINDOW

if TYPE_CHECKING:
    from squall.server.config import Config
    from squall.server.state import ServerState

# h2 treats a peer opening more streams than announced as a connection error; the server
# refuses the extra streams itself (REFUSED_STREAM, RFC 9113 5.1.2), so h2's own count is
# lifted out of the way.
UNLIMITED_STREAMS: Final = 2**31 - 1


class LibraryProtocol(H2Protocol):
    codec_error = ProtocolError

    def new_codec(self, state: ServerState) -> Any:
        return new_connection(state.config)

    def is_defence(self, exc: Exception) -> bool:
        return isinstance(exc, DenialOfServiceError)

    def handle(self, event: Any) -> None:
        if isinstance(event, DataReceived):
            self.on_data(event)  # type: ignore[arg-type]  # the same fields
        elif isinstance(event, RequestReceived):
            self.on_request(event)  # type: ignore[arg-type]
        elif isinstance(event, StreamEnded):
            self.on_stream_ended(event.stream_id)  # type: ignore[arg-type]
        elif isinstance(event, WindowUpdated):
            self.on_window_update(event.stream_id)  # type: ignore[arg-type]
        elif isinstance(event, StreamReset):
            self.on_reset(event.stream_id)  # type: ignore[arg-type]
        elif isinstance(event, RemoteSettingsChanged):
            self.on_window_update(0)  # the initial window may have grown
        elif isinstance(event, ConnectionTerminated):
            self.on_goaway()


def new_connection(config: Config) -> H2Connection:
    """A server-side h2 connection whose first bytes out are our SETTINGS."""
    h2 = H2Connection(
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
    return Settings(
        client=False,
        initial_values={
            SettingCodes.MAX_CONCURRENT_STREAMS: max_concurrent_streams,
            SettingCodes.INITIAL_WINDOW_SIZE: config.h2_initial_window_size,
            SettingCodes.MAX_FRAME_SIZE: config.h2_max_frame_size,
            SettingCodes.MAX_HEADER_LIST_SIZE: config.h2_max_header_list_size,
        },
    )
