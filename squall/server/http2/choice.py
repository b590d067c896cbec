"""Which protocol serves a new connection: decided once, at start-up, into a factory.

- cleartext: HTTP/1.1 connections that hand themselves over to HTTP/2 when their first bytes
  are the h2c preface (auto), HTTP/1.1 only (h1) or HTTP/2 only (h2);
- TLS: the protocol ALPN chose ("h2" or "http/1.1"; tls.py offers what ``--http`` allows).
  The protocol object is made before the handshake, so a small switch waits for it and then
  passes the transport to the chosen one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from squall.server.http2 import protocols
from squall.server.http11.connection import HttpConnection

if TYPE_CHECKING:
    from squall.server.config import Config
    from squall.server.http2.connection import CodecFactory
    from squall.server.state import ServerState

ProtocolFactory = Callable[[], asyncio.Protocol]


def protocol_factory(state: ServerState, tls: bool) -> ProtocolFactory:
    """The factory of the server's connection protocols for ``--http`` (raises ConfigError)."""
    speaks = protocols(state.config)

    def http11() -> asyncio.Protocol:
        return HttpConnection(state)  # type: ignore[return-value]  # a protocol by its methods

    if not speaks.http2:
        return http11
    from squall.server.http2.settings import check

    check(state.config)
    from squall.server.http2.connection import H2Protocol

    codec = http2_codec(state.config)

    def http2() -> asyncio.Protocol:
        return H2Protocol(state, b"", codec)  # type: ignore[return-value]  # a protocol by its methods

    if not speaks.http1:
        return http2
    if tls:
        return lambda: AlpnSwitch(http11, http2)  # type: ignore[return-value]
    state.h2c_take_over = take_over
    return http11


def http2_codec(config: Config) -> CodecFactory:
    """What makes a connection's codec for ``--h2-codec``: our core, or the h2 library."""
    if config.h2_codec == "h2":
        from squall.server.http2.library import new_connection

        return new_connection
    from squall.server.http2.settings import new_core

    return new_core


def take_over(connection: HttpConnection, received: bytes) -> None:
    """An HTTP/1.1 connection read the h2c preface: HTTP/2 takes its transport from here."""
    from squall.server.http2.connection import H2Protocol

    state = connection.state
    protocol = H2Protocol(state, received, http2_codec(state.config))
    transport = connection.transport
    transport.set_protocol(protocol)  # type: ignore[arg-type]
    protocol.connection_made(transport)


class AlpnSwitch(asyncio.Protocol):
    """Stands in until the TLS handshake is done, then hands the transport to the protocol
    ALPN chose."""

    def __init__(self, http11: ProtocolFactory, http2: ProtocolFactory) -> None:
        self.http11 = http11
        self.http2 = http2

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        ssl_object = transport.get_extra_info("ssl_object")
        chosen = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        protocol = self.http2() if chosen == "h2" else self.http11()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
