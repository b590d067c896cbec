"""Our own codec (``--ws squall``): frames.py's parser and serialisers, deflate.py's compression.

It implements :class:`squall.server.websocket.codec.Codec`: pings are answered with pongs, a
close frame is echoed (the close handshake, section 5.5.1) and the TCP connection is then
closed by the server (7.1.1); a protocol error sends a close frame with its code and closes.
Compiled with mypyc with the hot path (hot_path.py).
"""

from __future__ import annotations

from typing import cast

from squall.server.websocket.codec import PONG, Closed, CodecOptions, Event
from squall.server.websocket.deflate import DeflateParams, PerMessageDeflate, negotiate
from squall.server.websocket.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Control,
    FrameParser,
    ProtocolError,
    close_payload,
    encode_frame,
    frame_header,
    parse_close,
)


class SquallCodec:
    """One socket's framing, after the handshake (see the module docstring)."""

    __slots__ = ("_eof", "_out", "close_sent", "deflate", "parser")

    def __init__(self, deflate: PerMessageDeflate | None, options: CodecOptions) -> None:
        self.parser = FrameParser(options.max_size, deflate)
        self.deflate = deflate
        self.close_sent = False
        self._out: list[bytes] = []
        self._eof = False  # the TCP connection is to be closed once the output is written

    def receive(self, data: bytes) -> list[Event]:
        parser = self.parser
        items = parser.feed(data)
        failure = parser.failure
        if failure is None:
            for item in items:
                if isinstance(item, Control):
                    break
            else:  # messages only (the usual): the parser's list is the events' list
                return cast("list[Event]", items)
        events: list[Event] = []
        for item in items:
            if isinstance(item, Control):
                event = self._on_control(item)
                if event is not None:
                    events.append(event)
            else:
                events.append(item)
        if failure is not None and not self._eof:
            events.append(self._fail(failure))
        return events

    def _on_control(self, control: Control) -> Event | None:
        opcode = control.opcode
        if opcode == OP_PING:
            if not self.close_sent:
                self._out.append(encode_frame(OP_PONG, control.payload))
            return None
        if opcode == OP_PONG:
            return PONG
        try:
            code, reason = parse_close(control.payload)
        except ProtocolError as error:
            return self._fail(error)
        if not self.close_sent:  # the peer started the close handshake: echo its frame
            self._send_close(code, reason)
        self._eof = True
        return Closed(code, reason)

    def _fail(self, error: ProtocolError) -> Closed:
        """Fail the connection (section 7.1.7): a close frame with the error, then TCP close."""
        self._send_close(error.code, error.reason)
        self._eof = True
        return Closed(error.code, error.reason)

    def _send_close(self, code: int, reason: str) -> None:
        if not self.close_sent:
            self.close_sent = True
            self._out.append(encode_frame(OP_CLOSE, close_payload(code, reason)))

    def receive_eof(self) -> None:
        self._eof = True

    def send_message(self, data: str | bytes) -> None:
        frame = self.message_frame(data)
        if frame:
            self._out.append(frame)

    def message_frame(self, data: str | bytes) -> bytes:
        """The bytes to write for ``data`` now: its frame, whole, after whatever was queued
        before it (b"" once the close is sent).  The connection sends this way: one write,
        no list (``send_message`` and ``outgoing`` are the Codec interface's way)."""
        if self.close_sent:
            return b""
        if isinstance(data, str):
            opcode = OP_TEXT
            payload = data.encode("utf-8")
        else:
            opcode = OP_BINARY
            payload = data
        deflate = self.deflate
        compressed = deflate is not None and deflate.should_compress(len(payload))
        if compressed:
            assert deflate is not None
            payload = deflate.deflate(payload)
        frame = frame_header(opcode, len(payload), True, compressed) + payload
        out = self._out
        if not out:
            return frame
        out.append(frame)
        self._out = []
        return b"".join(out)

    def has_output(self) -> bool:
        """Whether ``outgoing`` has anything to say: bytes to write, or the TCP close."""
        return len(self._out) > 0 or self._eof

    def send_ping(self, payload: bytes) -> None:
        if not self.close_sent:
            self._out.append(encode_frame(OP_PING, payload))

    def send_close(self, code: int, reason: str) -> None:
        self._send_close(code, reason)

    def outgoing(self) -> tuple[bytes, bool]:
        out = self._out
        if not out:
            return b"", self._eof
        self._out = []
        return (out[0] if len(out) == 1 else b"".join(out)), self._eof


class SquallCodecFactory:
    """Negotiates permessage-deflate (deflate.py) and makes :class:`SquallCodec` objects."""

    name = "squall"

    def __init__(self, deflate_no_context_takeover: bool = False) -> None:
        self.deflate_no_context_takeover = deflate_no_context_takeover

    def negotiate(self, offers: list[str], options: CodecOptions) -> tuple[str | None, object]:
        if not offers or not options.per_message_deflate:
            return None, None
        params = negotiate(offers, self.deflate_no_context_takeover)
        if params is None:
            return None, None
        return params.response(), params

    def create(self, negotiated: object, options: CodecOptions) -> SquallCodec:
        deflate = PerMessageDeflate(negotiated) if isinstance(negotiated, DeflateParams) else None
        return SquallCodec(deflate, options)
