"""The codec over ``wsproto`` (``--ws wsproto``): slower than websockets here (see README)."""

from __future__ import annotations

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage
from wsproto.extensions import Extension, PerMessageDeflate
from wsproto.handshake import server_extensions_handshake

from squall.server.websocket.codec import PONG, Closed, CodecOptions, Event

MESSAGE_TOO_BIG = 1009


class WsprotoCodec:
    """:class:`squall.server.websocket.codec.Codec` over ``wsproto.connection.Connection``."""

    def __init__(self, extensions: list[Extension], options: CodecOptions) -> None:
        self.connection = Connection(ConnectionType.SERVER, extensions)
        self.max_size = options.max_size
        self._texts: list[str] = []
        self._fragments: list[bytes] = []
        self._size = 0
        self._out: list[bytes] = []
        self._eof = False

    def receive(self, data: bytes) -> list[Event]:
        self.connection.receive_data(data)
        events: list[Event] = []
        for event in self.connection.events():
            if isinstance(event, TextMessage | BytesMessage):
                message = self._part(event)
                if isinstance(message, Closed):
                    events.append(message)
                    break
                if message is not None:
                    events.append(message)
            elif isinstance(event, Ping):
                self._send(self.connection.send(event.response()))
            elif isinstance(event, Pong):
                events.append(PONG)
            elif isinstance(event, CloseConnection):
                events.append(self._close(event.code, event.reason or ""))
                break
        return events

    def _part(self, event: TextMessage | BytesMessage) -> str | bytes | Closed | None:
        self._size += len(event.data)
        if self.max_size is not None and self._size > self.max_size:
            return self._close(MESSAGE_TOO_BIG, "message too big", answer=False)
        if isinstance(event, TextMessage):
            self._texts.append(event.data)
        else:
            self._fragments.append(bytes(event.data))
        if not event.message_finished:
            return None
        self._size = 0
        if isinstance(event, TextMessage):
            text, self._texts = "".join(self._texts), []
            return text
        whole, self._fragments = b"".join(self._fragments), []
        return whole

    def _close(self, code: int, reason: str, answer: bool = True) -> Closed:
        """Send the close frame (an echo of the peer's, or ours) unless one was sent."""
        if self.connection.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            self._send(self.connection.send(CloseConnection(code, reason)))
        self._eof = True
        return Closed(code, reason)

    def _send(self, data: bytes) -> None:
        if data:
            self._out.append(data)

    def receive_eof(self) -> None:
        self.connection.receive_data(None)

    def send_message(self, data: str | bytes) -> None:
        event = TextMessage(data) if isinstance(data, str) else BytesMessage(data)
        self._send(self.connection.send(event))

    def send_ping(self, payload: bytes) -> None:
        self._send(self.connection.send(Ping(payload)))

    def send_close(self, code: int, reason: str) -> None:
        if self.connection.state is ConnectionState.OPEN:
            self._send(self.connection.send(CloseConnection(code, reason)))

    def outgoing(self) -> tuple[bytes, bool]:
        out, self._out = self._out, []
        return b"".join(out), self._eof


class WsprotoCodecFactory:
    """Negotiates permessage-deflate with wsproto and makes :class:`WsprotoCodec` objects."""

    name = "wsproto"

    def negotiate(self, offers: list[str], options: CodecOptions) -> tuple[str | None, object]:
        if not offers or not options.per_message_deflate:
            return None, []
        extension = PerMessageDeflate()
        # wsproto reads one offer per item: split the header values' comma-separated offers
        # (Autobahn 13.7.x sends several in one value).
        split = [item.strip() for offer in offers for item in offer.split(",") if item.strip()]
        try:
            answer = server_extensions_handshake(split, [extension])
        except ValueError:  # a malformed parameter: decline compression, keep the socket
            return None, []
        if answer is None:
            return None, []
        return answer.decode("latin-1"), [extension]

    def create(self, negotiated: object, options: CodecOptions) -> WsprotoCodec:
        extensions = negotiated if isinstance(negotiated, list) else []
        return WsprotoCodec(extensions, options)
