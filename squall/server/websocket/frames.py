"""RFC 6455 framing, sans-IO: a parser of client frames into messages, and the server's frames.

The parser takes the bytes a socket reads and gives back what they complete: whole messages
(``str`` for text, ``bytes`` for binary) and control frames (:class:`Control`).  It checks
what section 5 asks of a server (5.1-5.7):

- every client frame is masked; RSV1 only with permessage-deflate, RSV2/RSV3 never;
- opcodes are the six defined ones; control frames are whole (FIN) and at most 125 bytes;
- a continuation frame continues a message, a new message waits for the last one to end;
- text is UTF-8 (1007), checked as each fragment arrives so a bad one fails at once;
- a message is at most ``max_size`` bytes (1009), decided from the frame header, before its
  payload is buffered, and from the inflater's output for a compressed message.

The first problem found is kept in :attr:`FrameParser.failure` (code and reason for the close
frame) and parsing stops there; what came before it is still returned.

Server frames are never masked (5.1), so serialising is a header and the payload as they are.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from typing import Final, Protocol

OP_CONT: Final = 0x0
OP_TEXT: Final = 0x1
OP_BINARY: Final = 0x2
OP_CLOSE: Final = 0x8
OP_PING: Final = 0x9
OP_PONG: Final = 0xA

NORMAL_CLOSURE: Final = 1000
PROTOCOL_ERROR: Final = 1002
NO_STATUS: Final = 1005  # never on the wire: a close frame without a code
INVALID_DATA: Final = 1007
MESSAGE_TOO_BIG: Final = 1009

FIN: Final = 0x80
RSV1: Final = 0x40
RSV2_RSV3: Final = 0x30
MASKED: Final = 0x80
MAX_CONTROL_PAYLOAD: Final = 125
UNLIMITED: Final = (1 << 63) - 1  # the largest length a frame header can carry


class ProtocolError(Exception):
    """Why the connection fails: the close code and reason to send (section 7.4.1)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class Control:
    """A control frame from the client: close, ping or pong, with its (unmasked) payload."""

    __slots__ = ("opcode", "payload")

    def __init__(self, opcode: int, payload: bytes) -> None:
        self.opcode = opcode
        self.payload = payload


class Inflater(Protocol):
    """Decompresses the frames of a compressed message (permessage-deflate, RFC 7692)."""

    def inflate(self, data: bytes, fin: bool, max_length: int) -> bytes:
        """The data ``data`` decompresses to; ProtocolError(1009) past ``max_length`` bytes."""
        ...


Item = str | bytes | Control


def xor_unmask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte masking ``key`` repeated (section 5.3), as one big int."""
    length = len(payload)
    if length == 0:
        return payload
    keys = (key * ((length >> 2) + 1))[:length]
    masked = int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")
    return masked.to_bytes(length, "little")


def _c_unmask() -> Callable[[bytes, bytes], bytes]:
    """The ``websockets`` library's C ``apply_mask`` when installed: ~30x faster than the int
    XOR on 16 KiB (README, "WebSocket"); else the int XOR."""
    try:
        from websockets.speedups import apply_mask
    except ImportError:
        return xor_unmask
    return apply_mask  # type: ignore[no-any-return]


unmask: Final = _c_unmask()


# The headers of whole, uncompressed text and binary frames under 126 bytes, made once: a
# small message's header is a list lookup, not a bytes built from a tuple.
_SHORT_HEADERS: Final = [
    bytes((FIN | opcode, length)) for opcode in (OP_TEXT, OP_BINARY) for length in range(126)
]


def frame_header(opcode: int, length: int, fin: bool = True, rsv1: bool = False) -> bytes:
    """The header of an unmasked (server) frame carrying ``length`` payload bytes."""
    if length < 126 and fin and not rsv1 and OP_TEXT <= opcode <= OP_BINARY:
        return _SHORT_HEADERS[(opcode - OP_TEXT) * 126 + length]
    first = (FIN if fin else 0) | (RSV1 if rsv1 else 0) | opcode
    if length < 126:
        return bytes((first, length))
    if length < 0x10000:
        return bytes((first, 126)) + length.to_bytes(2, "big")
    return bytes((first, 127)) + length.to_bytes(8, "big")


def encode_frame(opcode: int, payload: bytes, fin: bool = True, rsv1: bool = False) -> bytes:
    """A whole unmasked frame."""
    return frame_header(opcode, len(payload), fin, rsv1) + payload


def is_valid_close_code(code: int) -> bool:
    """A code a peer may send (section 7.4): 1000-1003, 1007-1014, 3000-4999."""
    if code < 1000 or code >= 5000:
        return False
    if code >= 3000:
        return True
    return code <= 1003 or 1007 <= code <= 1014


def close_payload(code: int, reason: str) -> bytes:
    """A close frame's payload: the code (none for 1005) and the UTF-8 reason (section 5.5.1)."""
    if code == NO_STATUS:
        return b""
    encoded = reason.encode("utf-8")
    if len(encoded) > 123:  # cut at a character's boundary: the reason must stay UTF-8
        encoded = encoded[:123].decode("utf-8", "ignore").encode("utf-8")
    return code.to_bytes(2, "big") + encoded


def parse_close(payload: bytes) -> tuple[int, str]:
    """The code and reason of a received close frame; ProtocolError when they are invalid."""
    if not payload:
        return NO_STATUS, ""
    if len(payload) == 1:
        raise ProtocolError(PROTOCOL_ERROR, "close frame with a 1-byte payload")
    code = (payload[0] << 8) | payload[1]
    if not is_valid_close_code(code):
        raise ProtocolError(PROTOCOL_ERROR, f"invalid close code {code}")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(INVALID_DATA, "close reason is not UTF-8") from None
    return code, reason


class FrameParser:
    """Client frames in, messages and control frames out (see the module docstring)."""

    __slots__ = (
        "_chunks",
        "_compressed",
        "_decoder",
        "_needed",
        "_opcode",
        "_pending",
        "_pending_size",
        "_size",
        "_texts",
        "closed",
        "failure",
        "inflater",
        "max_size",
    )

    def __init__(self, max_size: int | None, inflater: Inflater | None = None) -> None:
        self.max_size = UNLIMITED if max_size is None else max_size
        self.inflater = inflater
        self.failure: ProtocolError | None = None
        self.closed = False  # a close frame came: nothing after it is read
        self._pending: list[bytes] = []  # bytes of a frame not complete yet
        self._pending_size = 0
        self._needed = 0  # how many pending bytes the next parse needs
        self._opcode = OP_CONT  # the opcode of the fragmented message in progress (CONT: none)
        self._compressed = False
        self._size = 0  # bytes of the message in progress so far (decompressed)
        self._chunks: list[bytes] = []  # a fragmented binary message's parts
        self._texts: list[str] = []  # a fragmented text message's parts, decoded
        self._decoder: codecs.IncrementalDecoder | None = None

    def feed(self, data: bytes) -> list[Item]:
        """The messages and control frames completed by ``data``."""
        items: list[Item] = []
        if self.closed or self.failure is not None:
            return items
        if self._pending:
            self._pending.append(data)
            self._pending_size += len(data)
            if self._pending_size < self._needed:
                return items
            data = b"".join(self._pending)
            self._pending = []
        try:
            end = self._parse(data, items)
        except ProtocolError as error:
            self.failure = error
            return items
        if end < len(data):
            rest = data[end:] if end else data
            self._pending = [rest]
            self._pending_size = len(rest)
        return items

    def _parse(self, data: bytes, items: list[Item]) -> int:
        """Parse the frames ``data`` holds whole; the offset where the unparsed rest starts."""
        position = 0
        available = len(data)
        while not self.closed:
            if available - position < 2:
                self._needed = 2
                return position
            first = data[position]
            second = data[position + 1]
            length = second & 0x7F
            header = 2
            if length == 126:
                header = 4
                if available - position < header:
                    self._needed = header
                    return position
                length = (data[position + 2] << 8) | data[position + 3]
            elif length == 127:
                header = 10
                if available - position < header:
                    self._needed = header
                    return position
                length = int.from_bytes(data[position + 2 : position + 10], "big")
                if length > UNLIMITED:
                    raise ProtocolError(PROTOCOL_ERROR, "frame length has its top bit set")
            self._check_header(first, second, length)
            start = position + header + 4
            end = start + length
            if available < end:
                self._needed = end - position
                return position
            payload = unmask(data[start:end], data[start - 4 : start])
            position = end
            self._on_frame(first, payload, items)
        return position

    def _check_header(self, first: int, second: int, length: int) -> None:
        """Section 5.2-5.5's rules on a frame header, before its payload is waited for."""
        if not second & MASKED:
            raise ProtocolError(PROTOCOL_ERROR, "client frames must be masked")
        if first & RSV2_RSV3:
            raise ProtocolError(PROTOCOL_ERROR, "reserved bits RSV2/RSV3 set")
        opcode = first & 0x0F
        rsv1 = first & RSV1
        if opcode >= OP_CLOSE:
            if opcode > OP_PONG:
                raise ProtocolError(PROTOCOL_ERROR, f"reserved opcode {opcode}")
            if not first & FIN:
                raise ProtocolError(PROTOCOL_ERROR, "fragmented control frame")
            if length > MAX_CONTROL_PAYLOAD:
                raise ProtocolError(PROTOCOL_ERROR, "control frame over 125 bytes")
            if rsv1:
                raise ProtocolError(PROTOCOL_ERROR, "RSV1 set on a control frame")
            return
        if opcode > OP_BINARY:
            raise ProtocolError(PROTOCOL_ERROR, f"reserved opcode {opcode}")
        if opcode == OP_CONT:
            if self._opcode == OP_CONT:
                raise ProtocolError(PROTOCOL_ERROR, "continuation frame without a message")
            if rsv1:
                raise ProtocolError(PROTOCOL_ERROR, "RSV1 set on a continuation frame")
        else:
            if self._opcode != OP_CONT:
                raise ProtocolError(PROTOCOL_ERROR, "new message before the last one ended")
            if rsv1 and self.inflater is None:
                raise ProtocolError(PROTOCOL_ERROR, "RSV1 set without permessage-deflate")
        # A compressed frame's size is checked here; what it inflates to, by the inflater.
        compressed = rsv1 if opcode != OP_CONT else self._compressed
        so_far = 0 if compressed else self._size
        if so_far + length > self.max_size:
            raise ProtocolError(MESSAGE_TOO_BIG, "message too big")

    def _on_frame(self, first: int, payload: bytes, items: list[Item]) -> None:
        opcode = first & 0x0F
        if opcode >= OP_CLOSE:
            if opcode == OP_CLOSE:
                self.closed = True
            items.append(Control(opcode, payload))
            return
        fin = bool(first & FIN)
        if opcode != OP_CONT:
            self._compressed = bool(first & RSV1)
            if fin:  # the common case: a message in one frame
                message = self._decompress(payload, True)
                self._compressed = False
                items.append(self._decode(message) if opcode == OP_TEXT else message)
                return
            self._opcode = opcode
            if opcode == OP_TEXT:
                self._decoder = codecs.getincrementaldecoder("utf-8")()
        data = self._decompress(payload, fin)
        self._size += len(data)
        decoder = self._decoder
        if decoder is not None:
            try:
                self._texts.append(decoder.decode(data, fin))
            except UnicodeDecodeError:
                raise ProtocolError(INVALID_DATA, "invalid UTF-8 in a text message") from None
        else:
            self._chunks.append(data)
        if fin:
            items.append(self._assemble())

    def _assemble(self) -> str | bytes:
        """The fragmented message just finished, joined; the parser is ready for the next."""
        whole: str | bytes
        if self._decoder is not None:
            whole = "".join(self._texts)
            self._texts = []
        else:
            whole = b"".join(self._chunks)
            self._chunks = []
        self._decoder = None
        self._opcode = OP_CONT
        self._compressed = False
        self._size = 0
        return whole

    def _decompress(self, payload: bytes, fin: bool) -> bytes:
        inflater = self.inflater
        if not self._compressed or inflater is None:
            return payload
        return inflater.inflate(payload, fin, self.max_size - self._size)

    @staticmethod
    def _decode(message: bytes) -> str:
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(INVALID_DATA, "invalid UTF-8 in a text message") from None
