"""The frame codec behind a small interface of ours, so a compiled codec can replace a library's.

A codec is sans-IO: the connection feeds it the bytes it reads and writes the bytes it is given.
It assembles fragmented messages, validates text as UTF-8 (1007), enforces the size limit
(1009), answers pings and close frames itself, and fails the connection on a protocol error
(1002).  The choice of library (``--ws``) resolves once, at start-up, into a :data:`CodecFactory`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from squall.server.config import ConfigError, WsChoice


@dataclass(frozen=True, slots=True)
class Closed:
    """The close handshake came in (or the codec failed the connection): code and reason."""

    code: int
    reason: str


class PongMarker:
    """A pong came in (the answer to the connection's keepalive ping)."""


PONG: Final = PongMarker()

Event = str | bytes | Closed | PongMarker


@dataclass(frozen=True, slots=True)
class CodecOptions:
    max_size: int | None
    per_message_deflate: bool


class Codec(Protocol):
    """One WebSocket's framing, after the handshake."""

    def receive(self, data: bytes) -> list[Event]:
        """Read ``data``: the complete messages, pongs and the close it held."""
        ...

    def receive_eof(self) -> None:
        """The peer closed its side of the TCP connection."""
        ...

    def send_message(self, data: str | bytes) -> None: ...

    def send_ping(self, payload: bytes) -> None: ...

    def send_close(self, code: int, reason: str) -> None: ...

    def outgoing(self) -> tuple[bytes, bool]:
        """The bytes to write now, and whether the TCP connection should then be closed."""
        ...


class CodecFactory(Protocol):
    """A codec library: negotiates extensions, then makes the codec of an accepted socket."""

    name: str

    def negotiate(self, offers: list[str], options: CodecOptions) -> tuple[str | None, object]:
        """The Sec-WebSocket-Extensions answer to ``offers`` and what ``create`` needs of it."""
        ...

    def create(self, negotiated: object, options: CodecOptions) -> Codec: ...


def resolve(choice: WsChoice, deflate_no_context_takeover: bool = False) -> CodecFactory | None:
    """The codec for ``--ws`` (None: ``none``, upgrades are left to the app as plain HTTP)."""
    if choice == "none":
        return None
    if choice in ("auto", "squall"):  # ours: the fastest (README, "WebSocket")
        from squall.server.websocket.codec_squall import SquallCodecFactory

        return SquallCodecFactory(deflate_no_context_takeover)
    if choice == "websockets":
        try:
            from squall.server.websocket.codec_websockets import WebsocketsCodecFactory
        except ImportError:
            raise ConfigError("--ws websockets: websockets is not installed") from None
        return WebsocketsCodecFactory()
    try:
        from squall.server.websocket.codec_wsproto import WsprotoCodecFactory
    except ImportError:
        raise ConfigError("--ws wsproto: wsproto is not installed") from None
    return WsprotoCodecFactory()
