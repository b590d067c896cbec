"""The SETTINGS the server announces, from the ``--h2-*`` options, and the h2 configuration.

The framing and HPACK are the ``h2`` library's (sans-IO): this module is where its knobs are
set, once per connection, and where the defences' frame buffer and HPACK decoder take the
place of h2's (frame_guard.py, hpack_guard.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.settings import SettingCodes, Settings

from squall.server.config import ConfigError
from squall.server.http2 import websocket_stream
from squall.server.http2.defences import FrameBudget
from squall.server.http2.frame_guard import GuardedFrameBuffer
from squall.server.http2.hpack_guard import BoundedDecoder

if TYPE_CHECKING:
    from squall.server.config import Config

DEFAULT_WINDOW: Final = 65535  # RFC 9113, 6.9.2: every window starts here
# The connection's receive window, in initial stream windows: streams share it, so one stream
# whose app reads slowly does not stop the others.
CONNECTION_WINDOW_STREAMS: Final = 4
# h2 treats a peer opening more streams than announced as a connection error; the server
# refuses the extra streams itself (REFUSED_STREAM, RFC 9113 5.1.2), so h2's own count is
# lifted out of the way.
UNLIMITED_STREAMS: Final = 2**31 - 1


def check(config: Config) -> None:
    """Raise ConfigError for SETTINGS values RFC 9113 does not allow."""
    if not 16384 <= config.h2_max_frame_size <= 2**24 - 1:
        raise ConfigError("--h2-max-frame-size must be between 16384 and 16777215")
    if not 1 <= config.h2_initial_window_size <= 2**31 - 1:
        raise ConfigError("--h2-initial-window-size must be between 1 and 2147483647")
    if config.h2_max_concurrent_streams < 1:
        raise ConfigError("--h2-max-concurrent-streams must be at least 1")


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
    values = {
        SettingCodes.MAX_CONCURRENT_STREAMS: max_concurrent_streams,
        SettingCodes.INITIAL_WINDOW_SIZE: config.h2_initial_window_size,
        SettingCodes.MAX_FRAME_SIZE: config.h2_max_frame_size,
        SettingCodes.MAX_HEADER_LIST_SIZE: config.h2_max_header_list_size,
    }
    if websocket_stream.enabled(config):  # RFC 8441: WebSocket over HTTP/2
        values[SettingCodes.ENABLE_CONNECT_PROTOCOL] = 1
    return Settings(client=False, initial_values=values)
