"""The SETTINGS the server announces, from the ``--h2-*`` options, and our codec made with them.

(The ``h2`` library's connection, ``--h2-codec h2``, is made in library.py.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from squall.server.config import ConfigError
from squall.server.http2.core import H2Core
from squall.server.http2.websocket_stream import enabled

if TYPE_CHECKING:
    from squall.server.config import Config

DEFAULT_WINDOW: Final = 65535  # RFC 9113, 6.9.2: every window starts here
# The connection's receive window, in initial stream windows: streams share it, so one stream
# whose app reads slowly does not stop the others.
CONNECTION_WINDOW_STREAMS: Final = 4


def check(config: Config) -> None:
    """Raise ConfigError for SETTINGS values RFC 9113 does not allow."""
    if not 16384 <= config.h2_max_frame_size <= 2**24 - 1:
        raise ConfigError("--h2-max-frame-size must be between 16384 and 16777215")
    if not 1 <= config.h2_initial_window_size <= 2**31 - 1:
        raise ConfigError("--h2-initial-window-size must be between 1 and 2147483647")
    if config.h2_max_concurrent_streams < 1:
        raise ConfigError("--h2-max-concurrent-streams must be at least 1")


def new_core(config: Config) -> H2Core:
    """Our codec with the SETTINGS of the ``--h2-*`` options, its first bytes queued."""
    core = H2Core(
        max_concurrent_streams=config.h2_max_concurrent_streams,
        initial_window_size=config.h2_initial_window_size,
        max_frame_size=config.h2_max_frame_size,
        max_header_list_size=config.h2_max_header_list_size,
        connection_window=config.h2_initial_window_size * CONNECTION_WINDOW_STREAMS,
        enable_connect_protocol=enabled(config),  # RFC 8441: WebSocket over HTTP/2
    )
    core.initiate_connection()
    return core
