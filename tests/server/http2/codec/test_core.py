"""The codec (H2Core) driven by the ``h2`` library as the client, in memory: requests and
responses, bodies past the windows, many streams, resets, GOAWAY, SETTINGS changes, PING."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

from collections.abc import Sequence  # noqa: E402
from typing import Any  # noqa: E402

import h2.events as he  # noqa: E402
from h2.settings import SettingCodes  # noqa: E402

from squall.server.http2.events import (  # noqa: E402
    ConnectionTerminated,
    DataReceived,
    PingReceived,
    RemoteSettingsChanged,
    RequestReceived,
    StreamEnded,
    StreamReset,
    TrailersReceived,
    WindowUpdated,
)
from tests.server.http2.codec.pair import GET, POST, Pair  # noqa: E402

RESPONSE = [(b":status", b"200"), (b"content-type", b"text/plain"), (b"server", b"squall")]


def kinds(events: Sequence[object]) -> list[str]:
    return [type(event).__name__ for event in events]


def test_get_and_response() -> None:
    pair = Pair()
    stream_id = pair.request()
    events = pair.to_server()
    assert kinds(events) == ["RequestReceived", "StreamEnded"]
    request = events[0]
    assert isinstance(request, RequestReceived)
    assert (request.stream_id, request.headers) == (stream_id, GET)
    assert request.stream_ended is events[1]
    pair.server.send_headers(stream_id, RESPONSE)
    pair.server.send_data(stream_id, b"hello", end_stream=True)
    got = pair.to_client()
    assert [type(e) for e in got] == [he.ResponseReceived, he.DataReceived, he.StreamEnded]
    assert got[0].headers == RESPONSE and got[1].data == b"hello"
    assert pair.server.streams == {}  # closed both ways: forgotten


def test_repeated_responses_use_the_dynamic_table() -> None:
    pair = Pair()
    sizes = []
    for _ in range(3):
        stream_id = pair.request()
        pair.to_server()
        pair.server.send_headers(stream_id, RESPONSE, end_stream=True)
        data = pair.server.data_to_send()
        sizes.append(len(data))
        got: list[Any] = pair.client.receive_data(data)
        assert got[0].headers == RESPONSE
    assert sizes[1] == sizes[2] < sizes[0]
    assert sizes[1] == 9 + 3  # three one-byte indexes


def test_post_with_body_and_trailers() -> None:
    pair = Pair()
    stream_id = pair.request([*POST, (b"content-length", b"6")], end=False)
    pair.client.send_data(stream_id, b"abc")
    pair.client.send_data(stream_id, b"def")
    pair.client.send_headers(stream_id, [(b"x-checksum", b"1")], end_stream=True)
    events = pair.to_server()
    assert kinds(events) == [
        "RequestReceived", "DataReceived", "DataReceived", "TrailersReceived", "StreamEnded",
    ]  # fmt: skip
    assert b"".join(e.data for e in events if isinstance(e, DataReceived)) == b"abcdef"
    trailers = events[3]
    assert isinstance(trailers, TrailersReceived) and trailers.headers == [(b"x-checksum", b"1")]


def test_large_upload_opens_the_windows_as_it_is_read() -> None:
    pair = Pair(connection_window=65535)
    stream_id = pair.request(POST, end=False)
    pair.to_server()
    body = bytes(range(256)) * 1024  # 256 KiB: four times both windows
    sent = received = 0
    while received < len(body):
        window = pair.client.local_flow_control_window(stream_id)
        size = min(window, pair.client.max_outbound_frame_size, len(body) - sent)
        assert size > 0, "the client's window stayed shut"
        pair.client.send_data(
            stream_id, body[sent : sent + size], end_stream=sent + size == len(body)
        )
        sent += size
        for event in pair.to_server():
            if isinstance(event, DataReceived):
                received += len(event.data)
                pair.server.acknowledge_received_data(event.flow_controlled_length, stream_id)
        pair.to_client()  # the WINDOW_UPDATEs
    assert received == len(body)


def test_large_download_waits_for_window_updates() -> None:
    pair = Pair()
    stream_id = pair.request()
    pair.to_server()
    pair.server.send_headers(stream_id, RESPONSE)
    body = b"x" * 200_000
    sent = 0
    got = bytearray()
    ended = False
    while not ended:
        window = pair.server.local_flow_control_window(stream_id)
        size = min(window, pair.server.max_outbound_frame_size, len(body) - sent)
        if size:
            pair.server.send_data(
                stream_id, body[sent : sent + size], end_stream=sent + size == len(body)
            )
            sent += size
        for event in pair.to_client():
            if isinstance(event, he.DataReceived):
                got += event.data
                pair.client.acknowledge_received_data(event.flow_controlled_length, stream_id)
            ended = ended or isinstance(event, he.StreamEnded)
        updates = pair.to_server()
        assert size or any(isinstance(e, WindowUpdated) for e in updates)
    assert bytes(got) == body


def test_many_streams_interleaved() -> None:
    pair = Pair()
    ids = [pair.request([*POST, (b"x-n", str(n).encode())], end=False) for n in range(50)]
    for stream_id in reversed(ids):
        pair.client.send_data(stream_id, str(stream_id).encode(), end_stream=True)
    events = pair.to_server()
    assert sorted(e.stream_id for e in events if isinstance(e, RequestReceived)) == ids
    bodies = {e.stream_id: e.data for e in events if isinstance(e, DataReceived)}
    assert bodies == {stream_id: str(stream_id).encode() for stream_id in ids}
    for stream_id in ids:
        pair.server.send_headers(stream_id, RESPONSE, end_stream=True)
    ended = [e.stream_id for e in pair.to_client() if isinstance(e, he.StreamEnded)]
    assert ended == ids and pair.server.streams == {}


def test_client_reset_and_late_frames() -> None:
    pair = Pair()
    stream_id = pair.request(POST, end=False)
    pair.to_server()
    pair.client.reset_stream(stream_id, 8)  # CANCEL
    events = pair.to_server()
    assert len(events) == 1 and isinstance(events[0], StreamReset)
    assert (events[0].stream_id, events[0].error_code, events[0].remote_reset) == (
        stream_id,
        8,
        True,
    )
    assert stream_id not in pair.server.streams


def test_server_reset_ignores_what_was_in_flight() -> None:
    pair = Pair()
    stream_id = pair.request(POST, end=False)
    pair.to_server()
    pair.server.reset_stream(stream_id, 0)
    pair.client.send_data(stream_id, b"late", end_stream=True)  # crossed the RST_STREAM
    assert pair.to_server() == []
    got = pair.to_client()
    assert isinstance(got[0], he.StreamReset) and got[0].error_code == 0


def test_goaway_from_the_client() -> None:
    pair = Pair()
    pair.client.close_connection(error_code=0)
    events = pair.to_server()
    assert isinstance(events[0], ConnectionTerminated) and events[0].error_code == 0


def test_goaway_from_the_server_names_the_last_stream() -> None:
    pair = Pair()
    pair.request()
    last = pair.request()
    pair.to_server()
    pair.server.close_connection()
    got = pair.to_client()
    assert isinstance(got[0], he.ConnectionTerminated)
    assert (got[0].last_stream_id, got[0].error_code) == (last, 0)


def test_settings_change_moves_the_send_windows() -> None:
    pair = Pair()
    stream_id = pair.request()
    pair.to_server()
    assert pair.server.local_flow_control_window(stream_id) == 65535
    pair.client.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 1000,
                                 SettingCodes.MAX_FRAME_SIZE: 20000,
                                 SettingCodes.HEADER_TABLE_SIZE: 0})  # fmt: skip
    events = pair.to_server()
    assert isinstance(events[0], RemoteSettingsChanged)
    assert events[0].changed_settings[SettingCodes.INITIAL_WINDOW_SIZE] == 1000
    assert pair.server.local_flow_control_window(stream_id) == 1000
    assert pair.server.max_outbound_frame_size == 20000
    got = pair.to_client()
    assert any(isinstance(e, he.SettingsAcknowledged) for e in got)
    pair.server.send_headers(stream_id, RESPONSE, end_stream=True)  # with the table size 0
    assert pair.to_client()[0].headers == RESPONSE


def test_ping_is_answered() -> None:
    pair = Pair()
    pair.client.ping(b"squall!!")
    events = pair.to_server()
    assert isinstance(events[0], PingReceived) and events[0].ping_data == b"squall!!"
    got = pair.to_client()
    assert isinstance(got[0], he.PingAckReceived) and got[0].ping_data == b"squall!!"


def test_request_with_end_stream_on_empty_data() -> None:
    pair = Pair()
    stream_id = pair.request(POST, end=False)
    pair.client.end_stream(stream_id)
    events = pair.to_server()
    assert kinds(events) == ["RequestReceived", "DataReceived", "StreamEnded"]
    assert isinstance(events[2], StreamEnded)
