"""A sans-IO HTTP/2 server connection (RFC 9113): bytes in, events out, bytes to send.

Our own codec, compiled with mypyc (hot_path.py), with the calls and events the connection
(connection.py) uses from the ``h2`` library: ``receive_data`` returns events (events.py),
``send_headers`` / ``send_data`` / ``end_stream`` / ``reset_stream`` /
``acknowledge_received_data`` queue frames, ``data_to_send`` hands them over.

What it enforces: the client preface and SETTINGS first (3.4); the frame size (4.2); the
stream-id rules and states (5.1, stream_states.py); flow control both ways (5.2, 6.9); the
SETTINGS values (6.5.2), answered with an ACK; PING answered; CONTINUATION directly after
its HEADERS, with the accumulated block bounded (CVE-2024-27316); HPACK (hpack.py) with the
decoded header list bounded; the request's header fields (validation.py); the frames that
move no request forward counted against defences.py's FrameBudget (control-frame floods,
CVE-2019-9512..9516), as frame_guard.py counts them on the h2 library.  A connection
error queues GOAWAY and raises ConnectionError_; a stream error queues RST_STREAM and yields
StreamReset (remote_reset=False) if the stream had been announced.
"""

from __future__ import annotations

from typing import Final

from squall.server.http2 import frames as f
from squall.server.http2.defences import (
    MAX_BLOCK_FRAMES,
    SMALL_WINDOW_UPDATE,
    FrameBudget,
    flood_message,
    header_block_limit,
)
from squall.server.http2.errors import (
    COMPRESSION_ERROR,
    ENHANCE_YOUR_CALM,
    FLOW_CONTROL_ERROR,
    FRAME_SIZE_ERROR,
    NO_ERROR,
    PROTOCOL_ERROR,
    STREAM_CLOSED,
    ConnectionError_,
    FrameError,
    StreamError,
)
from squall.server.http2.events import (
    ConnectionTerminated,
    DataReceived,
    Event,
    PingReceived,
    RemoteSettingsChanged,
    RequestReceived,
    SettingsAcknowledged,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)
from squall.server.http2.hpack import Decoder, Encoder, HPACKError
from squall.server.http2.stream_states import CLOSED, RECV_END_STREAM, SEND_END_STREAM, Stream
from squall.server.http2.validation import MalformedHeaders, check_request, check_trailers

DEFAULT_WINDOW: Final = 65535
RESET_MEMORY: Final = 1024  # streams we reset whose late frames are ignored, newest kept


class H2Core:
    """The server side of one HTTP/2 connection."""

    def __init__(
        self,
        *,
        max_concurrent_streams: int = 100,
        initial_window_size: int = DEFAULT_WINDOW,
        max_frame_size: int = f.MIN_MAX_FRAME_SIZE,
        max_header_list_size: int = 65536,
        connection_window: int = DEFAULT_WINDOW,
        enable_connect_protocol: bool = False,
    ) -> None:
        self.local_settings: list[tuple[int, int]] = [
            (f.MAX_CONCURRENT_STREAMS, max_concurrent_streams),
            (f.INITIAL_WINDOW_SIZE, initial_window_size),
            (f.MAX_FRAME_SIZE, max_frame_size),
            (f.MAX_HEADER_LIST_SIZE, max_header_list_size),
        ]
        # RFC 8441: extended CONNECT (WebSocket over HTTP/2) is accepted once announced.
        self.enable_connect_protocol = enable_connect_protocol
        if enable_connect_protocol:
            self.local_settings.append((f.ENABLE_CONNECT_PROTOCOL, 1))
        self.local_initial_window = initial_window_size
        self.max_inbound_frame_size = max_frame_size
        self.header_block_limit = header_block_limit(max_header_list_size)  # across frames
        self.budget = FrameBudget(max_concurrent_streams)  # frames without progress
        self.connection_window = connection_window
        self.recv_window = DEFAULT_WINDOW  # grows to connection_window at initiate_connection
        self.recv_unacknowledged = 0
        self.send_window = DEFAULT_WINDOW
        self.peer_initial_window = DEFAULT_WINDOW
        self.max_outbound_frame_size = f.MIN_MAX_FRAME_SIZE
        self.peer_max_header_list_size = -1  # -1: unlimited
        self.encoder = Encoder()
        self.decoder = Decoder(max_header_list_size)
        self.streams: dict[int, Stream] = {}
        self.reset_ids: dict[int, None] = {}  # an ordered set
        self.highest_inbound_stream_id = 0
        self.outbound = bytearray()
        self.buffer = b""
        self.awaiting_preface = True
        self.awaiting_settings = True  # the client's first frame must be SETTINGS
        self.terminated = False
        # A header block in CONTINUATION frames: its stream (0: none), HEADERS flags, parts.
        self.block_stream_id = 0
        self.block_flags = 0
        self.block_parts: list[bytes] = []
        self.block_size = 0

    # -- Sending ----------------------------------------------------------------------------

    def initiate_connection(self) -> None:
        self.outbound += f.settings_frame(self.local_settings)
        grow = self.connection_window - DEFAULT_WINDOW
        if grow > 0:
            self.increment_flow_control_window(grow)

    def data_to_send(self) -> bytes:
        data = bytes(self.outbound)
        self.outbound.clear()
        return data

    def send_headers(
        self, stream_id: int, headers: list[tuple[bytes, bytes]], end_stream: bool = False
    ) -> None:
        stream = self.sending_stream(stream_id)
        block = self.encoder.encode(headers)
        self.outbound += f.headers_frames(
            stream_id, block, end_stream, self.max_outbound_frame_size
        )
        if end_stream:
            self.end_sent(stream)

    def send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        """Queue one DATA frame; it must fit the windows and the peer's frame size."""
        stream = self.sending_stream(stream_id)
        size = len(data)
        if size > stream.send_window or size > self.send_window:
            raise ValueError(f"{size} bytes exceed the flow-control window")
        if size > self.max_outbound_frame_size:
            raise ValueError(f"{size} bytes exceed the peer's frame size")
        stream.send_window -= size
        self.send_window -= size
        self.outbound += f.data_frame(stream_id, data, end_stream)
        if end_stream:
            self.end_sent(stream)

    def end_stream(self, stream_id: int) -> None:
        self.send_data(stream_id, b"", end_stream=True)

    def reset_stream(self, stream_id: int, error_code: int = NO_ERROR) -> None:
        self.outbound += f.rst_stream_frame(stream_id, error_code)
        self.forget(stream_id, reset=True)

    def acknowledge_received_data(self, size: int, stream_id: int) -> None:
        """``size`` bytes of the stream's DATA were consumed: reopen the windows, sending
        WINDOW_UPDATE once half of one is consumed."""
        self.recv_unacknowledged += size
        if self.recv_unacknowledged * 2 >= self.connection_window:
            self.increment_flow_control_window(self.recv_unacknowledged)
        stream = self.streams.get(stream_id)
        if stream is not None and stream.may_receive:
            stream.unacknowledged += size
            if stream.unacknowledged * 2 >= self.local_initial_window:
                self.increment_flow_control_window(stream.unacknowledged, stream_id)

    def increment_flow_control_window(self, increment: int, stream_id: int = 0) -> None:
        self.outbound += f.window_update_frame(stream_id, increment)
        if stream_id == 0:
            self.recv_window += increment
            self.recv_unacknowledged = max(0, self.recv_unacknowledged - increment)
        else:
            stream = self.streams[stream_id]
            stream.recv_window += increment
            stream.unacknowledged = max(0, stream.unacknowledged - increment)

    def local_flow_control_window(self, stream_id: int) -> int:
        """What the stream may send now: the smaller of its window and the connection's."""
        stream = self.sending_stream(stream_id)
        return min(stream.send_window, self.send_window)

    def ping(self, data: bytes) -> None:
        self.outbound += f.ping_frame(data, ack=False)

    def close_connection(
        self, error_code: int = NO_ERROR, last_stream_id: int = -1, additional_data: bytes = b""
    ) -> None:
        """Queue GOAWAY (last stream: the highest the peer opened, unless given)."""
        last = self.highest_inbound_stream_id if last_stream_id < 0 else last_stream_id
        self.outbound += f.goaway_frame(last, error_code, additional_data)

    def sending_stream(self, stream_id: int) -> Stream:
        stream = self.streams.get(stream_id)
        if stream is None or not stream.may_send:
            raise StreamError(stream_id, STREAM_CLOSED, f"stream {stream_id} is closed")
        return stream

    def end_sent(self, stream: Stream) -> None:
        if stream.advance(SEND_END_STREAM) == CLOSED:
            del self.streams[stream.stream_id]

    def forget(self, stream_id: int, reset: bool) -> None:
        self.streams.pop(stream_id, None)
        if reset:
            reset_ids = self.reset_ids
            reset_ids[stream_id] = None
            if len(reset_ids) > RESET_MEMORY:
                del reset_ids[next(iter(reset_ids))]

    # -- Receiving ----------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> list[Event]:
        """The events ``data`` completes; raises ConnectionError_ (GOAWAY queued) on a
        connection error, after which nothing more is read."""
        events: list[Event] = []
        if self.terminated:
            return events
        buffer = self.buffer + data if self.buffer else data
        pos = 0
        try:
            if self.awaiting_preface:
                pos = self.read_preface(buffer)
                if pos < 0:
                    self.buffer = buffer
                    return events
            end = len(buffer)
            limit = self.max_inbound_frame_size
            while end - pos >= f.HEADER_SIZE:
                length, frame_type, flags, stream_id = f.read_header(buffer, pos)
                if length > limit:
                    raise ConnectionError_(FRAME_SIZE_ERROR, f"frame of {length} bytes")
                start = pos + f.HEADER_SIZE
                if start + length > end:
                    break
                pos = start + length
                self.receive_frame(frame_type, flags, stream_id, buffer[start:pos], events)
        except ConnectionError_ as exc:
            self.fail(exc.code, str(exc))
            raise
        self.buffer = buffer[pos:] if pos < len(buffer) else b""
        return events

    def read_preface(self, buffer: bytes) -> int:
        """The position after the client preface, or -1 if more bytes are needed."""
        size = len(f.PREFACE)
        if buffer[:size] != f.PREFACE[: len(buffer)]:
            raise ConnectionError_(PROTOCOL_ERROR, "no HTTP/2 client preface")
        if len(buffer) < size:
            return -1
        self.awaiting_preface = False
        return size

    def fail(self, code: int, message: str) -> None:
        self.terminated = True
        self.buffer = b""
        self.close_connection(code, additional_data=message.encode()[:256])

    def receive_frame(
        self, frame_type: int, flags: int, stream_id: int, payload: bytes, events: list[Event]
    ) -> None:
        if self.block_stream_id and frame_type != f.CONTINUATION:
            raise ConnectionError_(PROTOCOL_ERROR, "a header block left without CONTINUATION")
        if self.awaiting_settings and frame_type != f.SETTINGS:
            raise ConnectionError_(PROTOCOL_ERROR, "the client's first frame is not SETTINGS")
        if frame_type > f.HEADERS and frame_type != f.CONTINUATION and frame_type != f.GOAWAY:
            self.count_control_frame(frame_type, flags, payload)
        try:
            if frame_type == f.DATA:
                self.on_data(flags, stream_id, payload, events)
            elif frame_type == f.HEADERS:
                self.on_headers(flags, stream_id, payload, events)
            elif frame_type == f.CONTINUATION:
                self.on_continuation(flags, stream_id, payload, events)
            elif frame_type == f.WINDOW_UPDATE:
                self.on_window_update(stream_id, payload, events)
            elif frame_type == f.RST_STREAM:
                self.on_rst_stream(stream_id, payload, events)
            elif frame_type == f.SETTINGS:
                self.on_settings(flags, stream_id, payload, events)
            elif frame_type == f.PING:
                self.on_ping(flags, stream_id, payload, events)
            elif frame_type == f.PRIORITY:
                self.on_priority(stream_id, payload)
            elif frame_type == f.GOAWAY:
                self.on_goaway(stream_id, payload, events)
            elif frame_type == f.PUSH_PROMISE:
                raise ConnectionError_(PROTOCOL_ERROR, "PUSH_PROMISE from a client")
            # any other type is an extension's: ignored (5.5)
        except FrameError as frame_error:
            raise ConnectionError_(frame_error.code, str(frame_error)) from None
        except StreamError as stream_error:
            self.on_stream_error(stream_error, events)

    def count_control_frame(self, frame_type: int, flags: int, payload: bytes) -> None:
        """Spend the budget on a frame without progress: not an ACK of ours, nor a
        WINDOW_UPDATE opening a useful window, nor PUSH_PROMISE (an error anyway)."""
        if frame_type == f.WINDOW_UPDATE:
            if len(payload) == 4 and f.read_u31(payload, 0) >= SMALL_WINDOW_UPDATE:
                return
        elif frame_type == f.PING or frame_type == f.SETTINGS:
            if flags & f.ACK:
                return
        elif frame_type == f.PUSH_PROMISE:
            return
        self.spend_budget(frame_type)

    def spend_budget(self, frame_type: int) -> None:
        if not self.budget.spend():
            raise ConnectionError_(ENHANCE_YOUR_CALM, flood_message(self.budget.limit, frame_type))

    def on_stream_error(self, exc: StreamError, events: list[Event]) -> None:
        announced = exc.stream_id in self.streams
        self.reset_stream(exc.stream_id, exc.code)
        if announced:
            events.append(StreamReset(exc.stream_id, exc.code, False))

    def check_stream_id(self, stream_id: int, frame: str) -> None:
        if stream_id == 0:
            raise ConnectionError_(PROTOCOL_ERROR, f"{frame} on stream 0")

    def check_not_idle(self, stream_id: int, frame: str) -> None:
        if stream_id > self.highest_inbound_stream_id:
            raise ConnectionError_(PROTOCOL_ERROR, f"{frame} on idle stream {stream_id}")

    def on_data(self, flags: int, stream_id: int, payload: bytes, events: list[Event]) -> None:
        self.check_stream_id(stream_id, "DATA")
        size = len(payload)  # flow control counts the padding too
        if size > self.recv_window:
            raise ConnectionError_(FLOW_CONTROL_ERROR, "DATA past the connection's window")
        self.recv_window -= size
        data = f.unpad(flags, payload)
        end = flags & f.END_STREAM
        if not data and not end:
            self.spend_budget(f.DATA)
        stream = self.streams.get(stream_id)
        if stream is None or not stream.may_receive:
            self.check_not_idle(stream_id, "DATA")
            self.acknowledge_received_data(size, 0)  # nobody reads it: give the window back
            if stream is None and stream_id in self.reset_ids:
                return
            raise StreamError(stream_id, STREAM_CLOSED, "DATA on a closed stream")
        if size > stream.recv_window:
            self.acknowledge_received_data(size, 0)
            raise StreamError(stream_id, FLOW_CONTROL_ERROR, "DATA past the stream's window")
        stream.recv_window -= size
        stream.received_length += len(data)
        expected = stream.expected_length
        if expected >= 0 and (
            stream.received_length > expected or (end and stream.received_length != expected)
        ):
            self.acknowledge_received_data(size, 0)
            raise StreamError(stream_id, PROTOCOL_ERROR, "body length is not content-length")
        event = DataReceived(stream_id, data, size)
        events.append(event)
        if end:
            event.stream_ended = self.end_received(stream, events)

    def end_received(self, stream: Stream, events: list[Event]) -> StreamEnded:
        ended = StreamEnded(stream.stream_id)
        events.append(ended)
        if stream.advance(RECV_END_STREAM) == CLOSED:
            del self.streams[stream.stream_id]
        return ended

    def on_headers(self, flags: int, stream_id: int, payload: bytes, events: list[Event]) -> None:
        self.check_stream_id(stream_id, "HEADERS")
        block = f.headers_block(flags, payload)
        if flags & f.PRIORITY_FLAG and depends_on_itself(stream_id, flags, payload):
            self.decode(block)  # the HPACK state moves on all the same
            raise StreamError(stream_id, PROTOCOL_ERROR, "stream depends on itself")
        if flags & f.END_HEADERS:
            self.on_header_block(stream_id, flags, block, events)
            return
        self.block_stream_id = stream_id
        self.block_flags = flags
        self.block_parts = [block]
        self.block_size = len(block)
        self.check_block_size()

    def on_continuation(
        self, flags: int, stream_id: int, payload: bytes, events: list[Event]
    ) -> None:
        if stream_id == 0 or stream_id != self.block_stream_id:
            raise ConnectionError_(PROTOCOL_ERROR, "CONTINUATION without its HEADERS")
        self.block_parts.append(payload)
        self.block_size += len(payload)
        self.check_block_size()
        if flags & f.END_HEADERS:
            block = b"".join(self.block_parts)
            self.block_stream_id = 0
            self.block_parts = []
            self.on_header_block(stream_id, self.block_flags, block, events)

    def check_block_size(self) -> None:
        if self.block_size > self.header_block_limit or len(self.block_parts) > MAX_BLOCK_FRAMES:
            limit = self.header_block_limit
            message = f"header block past {limit} bytes or {MAX_BLOCK_FRAMES} frames"
            raise ConnectionError_(ENHANCE_YOUR_CALM, message)

    def decode(self, block: bytes) -> list[tuple[bytes, bytes]]:
        try:
            return self.decoder.decode(block)
        except (HPACKError, IndexError) as undecodable:
            raise ConnectionError_(COMPRESSION_ERROR, f"HPACK: {undecodable}") from None

    def on_header_block(
        self, stream_id: int, flags: int, block: bytes, events: list[Event]
    ) -> None:
        headers = self.decode(block)
        stream = self.streams.get(stream_id)
        if stream is not None:
            self.on_trailers(stream, flags, headers, events)
            return
        if stream_id % 2 == 0:
            raise ConnectionError_(PROTOCOL_ERROR, f"client stream id {stream_id} is even")
        if stream_id <= self.highest_inbound_stream_id:
            if stream_id in self.reset_ids:
                return
            raise ConnectionError_(STREAM_CLOSED, f"HEADERS on closed stream {stream_id}")
        self.highest_inbound_stream_id = stream_id
        try:
            length = check_request(headers, self.enable_connect_protocol)
        except MalformedHeaders as exc:
            raise StreamError(stream_id, PROTOCOL_ERROR, str(exc)) from None
        stream = Stream(stream_id, self.peer_initial_window, self.local_initial_window, length)
        self.streams[stream_id] = stream
        event = RequestReceived(stream_id, headers)
        events.append(event)
        if flags & f.END_STREAM:
            if length > 0:
                raise StreamError(stream_id, PROTOCOL_ERROR, "body length is not content-length")
            event.stream_ended = self.end_received(stream, events)

    def on_trailers(
        self, stream: Stream, flags: int, headers: list[tuple[bytes, bytes]], events: list[Event]
    ) -> None:
        stream_id = stream.stream_id
        if not stream.may_receive:
            raise StreamError(stream_id, STREAM_CLOSED, "HEADERS after END_STREAM")
        if not flags & f.END_STREAM:
            raise StreamError(stream_id, PROTOCOL_ERROR, "trailers without END_STREAM")
        try:
            check_trailers(headers)
        except MalformedHeaders as exc:
            raise StreamError(stream_id, PROTOCOL_ERROR, str(exc)) from None
        expected = stream.expected_length
        if expected >= 0 and stream.received_length != expected:
            raise StreamError(stream_id, PROTOCOL_ERROR, "body length is not content-length")
        event = TrailersReceived(stream_id, headers)
        events.append(event)
        event.stream_ended = self.end_received(stream, events)

    def on_window_update(self, stream_id: int, payload: bytes, events: list[Event]) -> None:
        increment = f.parse_window_update(payload)
        if stream_id == 0:
            if increment == 0:
                raise ConnectionError_(PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
            self.send_window += increment
            if self.send_window > f.MAX_WINDOW:
                raise ConnectionError_(FLOW_CONTROL_ERROR, "connection window past 2**31-1")
            events.append(WindowUpdated(0, increment))
            return
        stream = self.streams.get(stream_id)
        if stream is None:
            self.check_not_idle(stream_id, "WINDOW_UPDATE")
            return  # closed: a late update, ignored
        if increment == 0:
            raise StreamError(stream_id, PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
        stream.send_window += increment
        if stream.send_window > f.MAX_WINDOW:
            raise StreamError(stream_id, FLOW_CONTROL_ERROR, "stream window past 2**31-1")
        events.append(WindowUpdated(stream_id, increment))

    def on_rst_stream(self, stream_id: int, payload: bytes, events: list[Event]) -> None:
        self.check_stream_id(stream_id, "RST_STREAM")
        code = f.parse_u32_payload(payload)
        self.check_not_idle(stream_id, "RST_STREAM")
        if stream_id in self.streams:
            self.forget(stream_id, reset=False)
            events.append(StreamReset(stream_id, code, True))

    def on_settings(self, flags: int, stream_id: int, payload: bytes, events: list[Event]) -> None:
        if stream_id:
            raise ConnectionError_(PROTOCOL_ERROR, "SETTINGS on a stream")
        if flags & f.ACK:
            if payload:
                raise ConnectionError_(FRAME_SIZE_ERROR, "SETTINGS ACK with a payload")
            events.append(SettingsAcknowledged())
            return
        changed: dict[int, int] = {}
        for setting, value in f.parse_settings(payload):
            self.apply_setting(setting, value)
            changed[setting] = value
        self.awaiting_settings = False
        self.outbound += f.settings_ack()
        events.append(RemoteSettingsChanged(changed))

    def apply_setting(self, setting: int, value: int) -> None:
        if setting == f.HEADER_TABLE_SIZE:
            self.encoder.set_max_table_size(value)
        elif setting == f.ENABLE_PUSH or setting == f.ENABLE_CONNECT_PROTOCOL:
            if value > 1:
                raise ConnectionError_(PROTOCOL_ERROR, f"setting {setting} = {value}")
        elif setting == f.INITIAL_WINDOW_SIZE:
            if value > f.MAX_WINDOW:
                raise ConnectionError_(FLOW_CONTROL_ERROR, "initial window past 2**31-1")
            delta = value - self.peer_initial_window
            self.peer_initial_window = value
            for stream in self.streams.values():
                stream.send_window += delta
                if stream.send_window > f.MAX_WINDOW:
                    raise ConnectionError_(FLOW_CONTROL_ERROR, "a stream window past 2**31-1")
        elif setting == f.MAX_FRAME_SIZE:
            if not f.MIN_MAX_FRAME_SIZE <= value <= f.MAX_MAX_FRAME_SIZE:
                raise ConnectionError_(PROTOCOL_ERROR, f"max frame size {value}")
            self.max_outbound_frame_size = value
        elif setting == f.MAX_HEADER_LIST_SIZE:
            self.peer_max_header_list_size = value

    def on_ping(self, flags: int, stream_id: int, payload: bytes, events: list[Event]) -> None:
        if stream_id:
            raise ConnectionError_(PROTOCOL_ERROR, "PING on a stream")
        if len(payload) != 8:
            raise ConnectionError_(FRAME_SIZE_ERROR, "PING payload not 8 bytes")
        if not flags & f.ACK:
            self.outbound += f.ping_frame(payload, ack=True)
            events.append(PingReceived(payload))

    def on_priority(self, stream_id: int, payload: bytes) -> None:
        self.check_stream_id(stream_id, "PRIORITY")
        if len(payload) != 5:
            raise StreamError(stream_id, FRAME_SIZE_ERROR, "PRIORITY payload not 5 bytes")
        if f.parse_priority(payload)[1] == stream_id:
            raise StreamError(stream_id, PROTOCOL_ERROR, "stream depends on itself")

    def on_goaway(self, stream_id: int, payload: bytes, events: list[Event]) -> None:
        if stream_id:
            raise ConnectionError_(PROTOCOL_ERROR, "GOAWAY on a stream")
        last, code, debug = f.parse_goaway(payload)
        events.append(ConnectionTerminated(code, last, debug))


def depends_on_itself(stream_id: int, flags: int, payload: bytes) -> bool:
    """Whether HEADERS' priority fields make the stream depend on itself (5.3.1)."""
    return f.read_u31(payload, 1 if flags & f.PADDED else 0) == stream_id
