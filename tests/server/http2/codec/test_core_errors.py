"""Protocol errors each get the error code RFC 9113 gives them: connection errors raise
ConnectionError_ with GOAWAY queued, stream errors reset the stream (RST_STREAM)."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import pytest  # noqa: E402
from hyperframe.frame import (  # noqa: E402
    ContinuationFrame,
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    PriorityFrame,
    PushPromiseFrame,
    RstStreamFrame,
    SettingsFrame,
    WindowUpdateFrame,
)

from squall.server.http2 import errors as e  # noqa: E402
from squall.server.http2.core import H2Core  # noqa: E402
from squall.server.http2.defences import TOO_LARGE  # noqa: E402
from squall.server.http2.errors import ConnectionError_  # noqa: E402
from squall.server.http2.events import RequestReceived, StreamReset  # noqa: E402
from tests.server.http2.codec.pair import (  # noqa: E402
    GET,
    POST,
    PREFACE,
    block,
    goaway_code,
    greeted_server,
    raw,
    resets,
)

GET_BLOCK = block(GET)


def headers(stream_id: int, fields: list[tuple[bytes, bytes]] = GET, end: bool = True) -> bytes:
    flags = ["END_HEADERS", "END_STREAM"] if end else ["END_HEADERS"]
    return HeadersFrame(stream_id, block(fields), flags=flags).serialize()


def in_pieces(stream_id: int, fields: list[tuple[bytes, bytes]]) -> bytes:
    """HEADERS and CONTINUATION frames of 16 000 bytes at most."""
    data = block(fields)
    parts = [data[i : i + 16000] for i in range(0, len(data), 16000)]
    frames: list[Frame] = [HeadersFrame(stream_id, parts[0], flags=["END_STREAM"])]
    frames += [ContinuationFrame(stream_id, part) for part in parts[1:]]
    frames[-1].flags.add("END_HEADERS")
    return b"".join(frame.serialize() for frame in frames)


def open_post(stream_id: int = 1) -> bytes:
    return headers(stream_id, POST, end=False)


def settings(**values: int) -> bytes:
    codes = {"window": 4, "frame": 5, "push": 2}
    return SettingsFrame(0, settings={codes[k]: v for k, v in values.items()}).serialize()


CONNECTION_ERRORS = {
    "DATA on stream 0": (raw(0, 0, 0, b"x"), e.PROTOCOL_ERROR),
    "HEADERS on stream 0": (raw(1, 4, 0, GET_BLOCK), e.PROTOCOL_ERROR),
    "DATA on an idle stream": (DataFrame(1, b"x").serialize(), e.PROTOCOL_ERROR),
    "WINDOW_UPDATE on an idle stream": (WindowUpdateFrame(5, 1).serialize(), e.PROTOCOL_ERROR),
    "RST_STREAM on an idle stream": (RstStreamFrame(3, 0).serialize(), e.PROTOCOL_ERROR),
    "RST_STREAM on stream 0": (raw(3, 0, 0, b"\0\0\0\0"), e.PROTOCOL_ERROR),
    "RST_STREAM of 3 bytes": (open_post() + raw(3, 0, 1, b"\0\0\0"), e.FRAME_SIZE_ERROR),
    "SETTINGS on a stream": (raw(4, 0, 1, b""), e.PROTOCOL_ERROR),
    "SETTINGS of 5 bytes": (raw(4, 0, 0, b"\0\x01\0\0\0"), e.FRAME_SIZE_ERROR),
    "SETTINGS ACK with a payload": (raw(4, 1, 0, b"\0\x01\0\0\0\0"), e.FRAME_SIZE_ERROR),
    "initial window past 2**31-1": (settings(window=2**31), e.FLOW_CONTROL_ERROR),
    "max frame size under 16384": (settings(frame=100), e.PROTOCOL_ERROR),
    "max frame size past 2**24-1": (settings(frame=2**24), e.PROTOCOL_ERROR),
    "ENABLE_PUSH of 2": (settings(push=2), e.PROTOCOL_ERROR),
    "PING on a stream": (raw(6, 0, 1, b"12345678"), e.PROTOCOL_ERROR),
    "PING of 7 bytes": (raw(6, 0, 0, b"1234567"), e.FRAME_SIZE_ERROR),
    "GOAWAY on a stream": (raw(7, 0, 1, b"\0" * 8), e.PROTOCOL_ERROR),
    "WINDOW_UPDATE of 0 on the connection": (WindowUpdateFrame(0, 0).serialize(), e.PROTOCOL_ERROR),
    "WINDOW_UPDATE of 5 bytes": (raw(8, 0, 0, b"\0\0\0\x01\0"), e.FRAME_SIZE_ERROR),
    "connection window overflow": (
        WindowUpdateFrame(0, 2**31 - 1).serialize(),
        e.FLOW_CONTROL_ERROR,
    ),
    "DATA past the connection window": (
        open_post() + DataFrame(1, b"x" * 16384).serialize() * 4 + DataFrame(1, b"x").serialize(),
        e.FLOW_CONTROL_ERROR,
    ),
    "frame past the max frame size": (DataFrame(1, b"x" * 16385).serialize(), e.FRAME_SIZE_ERROR),
    "PUSH_PROMISE from a client": (
        open_post()
        + PushPromiseFrame(
            1, promised_stream_id=2, data=GET_BLOCK, flags=["END_HEADERS"]
        ).serialize(),
        e.PROTOCOL_ERROR,
    ),
    "CONTINUATION without HEADERS": (
        ContinuationFrame(1, GET_BLOCK, flags=["END_HEADERS"]).serialize(),
        e.PROTOCOL_ERROR,
    ),
    "DATA between HEADERS and CONTINUATION": (
        HeadersFrame(1, GET_BLOCK[:2]).serialize() + DataFrame(1, b"x").serialize(),
        e.PROTOCOL_ERROR,
    ),
    "CONTINUATION on another stream": (
        HeadersFrame(1, GET_BLOCK[:2]).serialize()
        + ContinuationFrame(3, GET_BLOCK[2:], flags=["END_HEADERS"]).serialize(),
        e.PROTOCOL_ERROR,
    ),
    "even stream id": (headers(2), e.PROTOCOL_ERROR),
    "HEADERS on a closed stream": (headers(3) + headers(1), e.STREAM_CLOSED),
    "HPACK index past the tables": (raw(1, 5, 1, b"\xff\x40"), e.COMPRESSION_ERROR),
    "HPACK truncated string": (raw(1, 5, 1, b"\x40\x05ab"), e.COMPRESSION_ERROR),
    "padding longer than the payload": (open_post() + raw(0, 8, 1, b"\x05abc"), e.PROTOCOL_ERROR),
    "CONTINUATION flood (empty frames)": (
        HeadersFrame(1, GET_BLOCK).serialize() + ContinuationFrame(1, b"").serialize() * 100,
        e.ENHANCE_YOUR_CALM,
    ),
    "CONTINUATION flood (bytes)": (
        HeadersFrame(1, GET_BLOCK).serialize()
        + ContinuationFrame(1, b"\x00" * 16000).serialize() * 9,
        e.ENHANCE_YOUR_CALM,
    ),
}


@pytest.mark.parametrize(
    ("frames", "code"), CONNECTION_ERRORS.values(), ids=CONNECTION_ERRORS.keys()
)
def test_connection_errors(frames: bytes, code: int) -> None:
    server = greeted_server(max_frame_size=16384)
    with pytest.raises(ConnectionError_) as caught:
        server.receive_data(frames)
    assert caught.value.code == code
    assert goaway_code(server.data_to_send()) == code
    assert server.receive_data(DataFrame(1, b"x").serialize()) == []  # nothing read after


def test_wrong_preface() -> None:
    server = H2Core()
    with pytest.raises(ConnectionError_) as caught:
        server.receive_data(b"GET / HTTP/1.1\r\n")
    assert caught.value.code == e.PROTOCOL_ERROR


def test_preface_in_pieces_then_a_frame_other_than_settings() -> None:
    server = H2Core()
    assert server.receive_data(PREFACE[:10]) == []
    with pytest.raises(ConnectionError_) as caught:
        server.receive_data(PREFACE[10:] + PingFrame(0, b"12345678").serialize())
    assert caught.value.code == e.PROTOCOL_ERROR


STREAM_ERRORS = {
    "uppercase field name": ([*GET, (b"X-Thing", b"1")], e.PROTOCOL_ERROR),
    "no :path": (GET[:2] + GET[3:], e.PROTOCOL_ERROR),
    "empty :path": ([*GET[:2], (b":path", b""), GET[3]], e.PROTOCOL_ERROR),
    "no :method": (GET[1:], e.PROTOCOL_ERROR),
    "two :method": ([GET[0], *GET], e.PROTOCOL_ERROR),
    "pseudo-header after a regular field": (
        [*GET[:3], (b"accept", b"*/*"), GET[3]],
        e.PROTOCOL_ERROR,
    ),
    "unknown pseudo-header": ([*GET, (b":foo", b"bar")], e.PROTOCOL_ERROR),
    "response pseudo-header": ([(b":status", b"200"), *GET], e.PROTOCOL_ERROR),
    "connection header": ([*GET, (b"connection", b"keep-alive")], e.PROTOCOL_ERROR),
    "transfer-encoding": ([*GET, (b"transfer-encoding", b"chunked")], e.PROTOCOL_ERROR),
    "te other than trailers": ([*GET, (b"te", b"gzip")], e.PROTOCOL_ERROR),
    "value with CR LF": ([*GET, (b"x-a", b"b\r\nx-c: d")], e.PROTOCOL_ERROR),
    "value with leading space": ([*GET, (b"x-a", b" b")], e.PROTOCOL_ERROR),
    "name with a space": ([*GET, (b"x a", b"b")], e.PROTOCOL_ERROR),
    "CONNECT with :path": ([(b":method", b"CONNECT"), *GET[1:]], e.PROTOCOL_ERROR),
    "content-length not a number": ([*GET, (b"content-length", b"1x")], e.PROTOCOL_ERROR),
    "content-length with no body": ([*GET, (b"content-length", b"5")], e.PROTOCOL_ERROR),
}


@pytest.mark.parametrize(("fields", "code"), STREAM_ERRORS.values(), ids=STREAM_ERRORS.keys())
def test_malformed_requests_reset_the_stream(fields: list[tuple[bytes, bytes]], code: int) -> None:
    server = greeted_server()
    server.receive_data(headers(1, fields))
    assert resets(server.data_to_send()) == [(1, code)]
    events = server.receive_data(headers(3))  # the connection goes on
    assert [type(event).__name__ for event in events] == ["RequestReceived", "StreamEnded"]


LATER_STREAM_ERRORS = {
    "stream window overflow": (WindowUpdateFrame(1, 2**31 - 1).serialize(), e.FLOW_CONTROL_ERROR),
    "WINDOW_UPDATE of 0 on a stream": (WindowUpdateFrame(1, 0).serialize(), e.PROTOCOL_ERROR),
    "DATA past the stream window": (
        b"".join(DataFrame(1, b"x" * 16384).serialize() for _ in range(4))
        + DataFrame(1, b"x").serialize(),
        e.FLOW_CONTROL_ERROR,
    ),
    "DATA after END_STREAM": (
        DataFrame(1, b"x", flags=["END_STREAM"]).serialize() + DataFrame(1, b"y").serialize(),
        e.STREAM_CLOSED,
    ),
    "body longer than content-length": (DataFrame(1, b"x" * 11).serialize(), e.PROTOCOL_ERROR),
    "body shorter than content-length": (
        DataFrame(1, b"x", flags=["END_STREAM"]).serialize(),
        e.PROTOCOL_ERROR,
    ),
    "trailers without END_STREAM": (
        HeadersFrame(1, block([(b"x-t", b"1")]), flags=["END_HEADERS"]).serialize(),
        e.PROTOCOL_ERROR,
    ),
    "trailers with a pseudo-header": (
        HeadersFrame(1, block([(b":path", b"/")]), flags=["END_HEADERS", "END_STREAM"]).serialize(),
        e.PROTOCOL_ERROR,
    ),
    "PRIORITY on itself": (PriorityFrame(1, depends_on=1).serialize(), e.PROTOCOL_ERROR),
    "PRIORITY of 4 bytes": (raw(2, 0, 1, b"\0\0\0\0"), e.FRAME_SIZE_ERROR),
}


@pytest.mark.parametrize(
    ("frames", "code"), LATER_STREAM_ERRORS.values(), ids=LATER_STREAM_ERRORS.keys()
)
def test_stream_errors_on_an_open_stream(
    frames: bytes, code: int, request: pytest.FixtureRequest
) -> None:
    server = greeted_server(connection_window=1 << 20)  # the stream's window is the one hit
    length = [(b"content-length", b"10")] if "content-length" in request.node.callspec.id else []
    server.receive_data(headers(1, [*POST, *length], end=False))
    events = server.receive_data(frames)
    assert resets(server.data_to_send()) == [(1, code)]
    reset = [event for event in events if isinstance(event, StreamReset)]
    assert len(reset) == 1 and (reset[0].error_code, reset[0].remote_reset) == (code, False)
    assert 1 not in server.streams


def test_data_on_a_reset_stream_gives_the_connection_window_back() -> None:
    server = greeted_server(connection_window=65535)
    server.receive_data(open_post())
    server.reset_stream(1, e.CANCEL)
    server.data_to_send()
    for _ in range(8):  # 128 KiB: twice the connection's window
        assert server.receive_data(DataFrame(1, b"x" * 16384).serialize()) == []
    assert server.recv_window > 0


def test_goaway_frame_is_reported_not_an_error() -> None:
    server = greeted_server()
    events = server.receive_data(
        GoAwayFrame(0, last_stream_id=0, error_code=2, additional_data=b"bye").serialize()
    )
    assert [(ev.error_code, ev.additional_data) for ev in events] == [(2, b"bye")]  # type: ignore[attr-defined]


def test_headers_depending_on_their_own_stream() -> None:
    server = greeted_server()
    frame = HeadersFrame(1, GET_BLOCK, flags=["END_HEADERS", "END_STREAM", "PRIORITY"])
    frame.depends_on = 1
    assert server.receive_data(frame.serialize()) == []
    assert resets(server.data_to_send()) == [(1, e.PROTOCOL_ERROR)]
    assert len(server.receive_data(headers(3))) == 2  # the HPACK state moved on in step


def test_a_header_list_past_the_bound_is_a_request_marked_too_large() -> None:
    """Not a connection error: the block is read whole (HPACK stays in step) and the stream's
    request carries its pseudo-header fields and TOO_LARGE (the connection answers 431)."""
    server = greeted_server(max_frame_size=16384)
    events = server.receive_data(in_pieces(1, [*GET, (b"x-big", b"a" * 70_000)]))
    assert isinstance(events[0], RequestReceived)
    assert events[0].headers == [*GET, TOO_LARGE]
    assert server.receive_data(headers(3)) and not server.terminated
