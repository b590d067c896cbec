"""HTTP/2 on our own codec (core.py) instead of the ``h2`` library: the adapter.

:class:`CoreProtocol` is connection.py's ``H2Protocol`` with an :class:`H2Core` where h2's
``H2Connection`` was: the calls it makes (``send_headers``, ``send_data``, ``reset_stream``,
``acknowledge_received_data``, ``local_flow_control_window``, ...) have the same names and
arguments, and our events the same fields.  What differs is overridden here: the event
classes dispatched on, the error raised on a connection error, and our own stream errors
(reported as StreamReset with ``remote_reset`` False), which end the stream without counting
as the client's rapid resets.

Not chosen by any option yet: a ``--h2-codec squall|h2`` choice would make choice.py build
this class instead of ``H2Protocol``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from squall.server.exchange import RECEIVING
from squall.server.http2.connection import H2Protocol
from squall.server.http2.core import H2Core
from squall.server.http2.errors import ConnectionError_
from squall.server.http2.events import (
    ConnectionTerminated,
    DataReceived,
    RemoteSettingsChanged,
    RequestReceived,
    StreamEnded,
    StreamReset,
    WindowUpdated,
)
from squall.server.http2.settings import CONNECTION_WINDOW_STREAMS
from squall.server.http2.websocket_stream import enabled

if TYPE_CHECKING:
    from squall.server.config import Config
    from squall.server.state import ServerState


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


class CoreProtocol(H2Protocol):
    codec_error = ConnectionError_

    def __init__(self, state: ServerState, received: bytes = b"") -> None:
        super().__init__(state, received)
        self.h2: Any = new_core(state.config)

    def handle(self, event: Any) -> None:
        if isinstance(event, DataReceived):
            self.on_data(event)  # type: ignore[arg-type]
        elif isinstance(event, RequestReceived):
            self.on_request(event)  # type: ignore[arg-type]
        elif isinstance(event, StreamEnded):
            stream = self.streams.get(event.stream_id)
            exchange = stream.exchange if stream is not None else None
            if exchange is not None and exchange.body_state == RECEIVING:
                exchange.finish_body()
        elif isinstance(event, WindowUpdated):
            self.on_window_update(event.stream_id)
        elif isinstance(event, StreamReset):
            if event.remote_reset:
                self.on_reset(event)  # type: ignore[arg-type]
            else:
                self.forget(event.stream_id)
        elif isinstance(event, RemoteSettingsChanged):
            self.on_window_update(0)
        elif isinstance(event, ConnectionTerminated):
            self.on_goaway()
