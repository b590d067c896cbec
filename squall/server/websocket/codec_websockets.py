"""The codec over the ``websockets`` library's sans-IO ``Protocol`` (with permessage-deflate)."""

from __future__ import annotations

import codecs
import uuid
from typing import Any

from websockets.exceptions import InvalidHandshake
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.headers import build_extension, parse_extension
from websockets.protocol import Protocol, Side, State

from squall.server.websocket.codec import PONG, Closed, CodecOptions, Event

INVALID_DATA = 1007  # RFC 6455, 7.4.1: text that is not UTF-8
NO_STATUS = 1005
SHARED_ID = uuid.UUID(int=0)  # see ServerProtocol.__init__


class ServerProtocol(Protocol):
    """``websockets``' protocol, taking a close frame in the middle of a fragmented message.

    RFC 6455 (5.4, 5.5) lets control frames come between fragments, a close among them: the
    unfinished message is dropped and the close answered as usual (Autobahn case 7.1.5).
    The library fails such a connection with 1002 instead; forgetting the unfinished message
    before it sees the close makes it answer the peer's code.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The library gives each connection a uuid4, used only in its own debug logs: sharing
        # one saves ~180 bytes per idle socket (test_idle_sockets.py).
        self.id = SHARED_ID

    def recv_frame(self, frame: Frame) -> None:
        if frame.opcode is Opcode.CLOSE:
            self.current_size = None
        Protocol.recv_frame(self, frame)


class WebsocketsCodec:
    """:class:`squall.server.websocket.codec.Codec` over ``websockets.protocol.Protocol``.

    Slotted, with the parts of a fragmented message in lists made only when one comes: an idle
    socket holds no more than it needs.
    """

    __slots__ = ("_decoder", "_fragments", "_texts", "protocol")

    def __init__(self, extensions: list[Extension], options: CodecOptions) -> None:
        self.protocol = ServerProtocol(Side.SERVER, state=State.OPEN, max_size=options.max_size)
        self.protocol.extensions = extensions
        self._fragments: list[bytes] | None = None
        self._texts: list[str] | None = None
        self._decoder: codecs.IncrementalDecoder | None = None

    def receive(self, data: bytes) -> list[Event]:
        protocol = self.protocol
        protocol.receive_data(data)
        events: list[Event] = []
        for frame in protocol.events_received():
            assert isinstance(frame, Frame)  # after the handshake, events are frames
            event = self._on_frame(frame)
            if event is not None:
                events.append(event)
                if isinstance(event, Closed):
                    return events
        if protocol.state is not State.OPEN:
            # The library failed the connection (a protocol error after the frames above):
            # its close frame is queued, and the connection must stop sending messages.
            events.append(self._closed())
        return events

    def _on_frame(self, frame: Frame) -> Event | None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT and frame.fin:  # the common case: a whole text message
            self._decoder = None
            try:
                return bytes(frame.data).decode("utf-8")
            except UnicodeDecodeError:
                self.protocol.fail(INVALID_DATA, "invalid UTF-8 in a text message")
                return self._closed()
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            is_text = opcode is Opcode.TEXT
            self._decoder = codecs.getincrementaldecoder("utf-8")() if is_text else None
        elif opcode is Opcode.PONG:
            return PONG
        elif opcode is Opcode.CLOSE:
            return self._closed()
        elif opcode is not Opcode.CONT:
            return None  # a ping: the protocol has queued its pong
        decoder = self._decoder
        if decoder is None:
            return self._binary_part(bytes(frame.data), frame.fin)
        try:
            text = decoder.decode(frame.data, frame.fin)
        except UnicodeDecodeError:
            self.protocol.fail(INVALID_DATA, "invalid UTF-8 in a text message")
            return self._closed()
        return self._text_part(text, frame.fin)

    def _text_part(self, text: str, fin: bool) -> str | None:
        texts = self._texts
        if texts is None:
            if fin:
                return text
            self._texts = [text]
            return None
        texts.append(text)
        if not fin:
            return None
        self._texts = None
        return "".join(texts)

    def _binary_part(self, data: bytes, fin: bool) -> bytes | None:
        fragments = self._fragments
        if fragments is None:
            if fin:
                return data
            self._fragments = [data]
            return None
        fragments.append(data)
        if not fin:
            return None
        self._fragments = None
        return b"".join(fragments)

    def _closed(self) -> Closed:
        """The peer's close if one came, else the one the codec sent failing the connection."""
        protocol = self.protocol
        close = protocol.close_rcvd if protocol.close_rcvd is not None else protocol.close_sent
        if close is None:
            return Closed(NO_STATUS, "")
        return Closed(close.code, close.reason)

    def receive_eof(self) -> None:
        self.protocol.receive_eof()

    def send_message(self, data: str | bytes) -> None:
        if isinstance(data, str):
            self.protocol.send_text(data.encode("utf-8"))
        else:
            self.protocol.send_binary(data)

    def send_ping(self, payload: bytes) -> None:
        self.protocol.send_ping(payload)

    def send_close(self, code: int, reason: str) -> None:
        self.protocol.send_close(code, reason)

    def outgoing(self) -> tuple[bytes, bool]:
        writes = self.protocol.data_to_send()
        if not writes:
            return b"", False
        eof = writes[-1] == b""
        return (writes[0] if len(writes) == 1 else b"".join(writes)), eof


class WebsocketsCodecFactory:
    """Negotiates permessage-deflate (RFC 7692) and makes :class:`WebsocketsCodec` objects."""

    name = "websockets"

    def negotiate(self, offers: list[str], options: CodecOptions) -> tuple[str | None, object]:
        if not offers or not options.per_message_deflate:
            return None, []
        factory = ServerPerMessageDeflateFactory()
        accepted: list[Extension] = []
        answers = []
        try:
            parsed = [item for offer in offers for item in parse_extension(offer)]
        except InvalidHandshake:
            return None, []
        for name, params in parsed:
            if name != factory.name:
                continue
            try:
                response_params, extension = factory.process_request_params(params, accepted)
            except InvalidHandshake:
                continue  # an offer we can't take: try the next
            answers.append((name, response_params))
            accepted.append(extension)
        return (build_extension(answers) if answers else None), accepted

    def create(self, negotiated: object, options: CodecOptions) -> WebsocketsCodec:
        extensions = negotiated if isinstance(negotiated, list) else []
        return WebsocketsCodec(extensions, options)
