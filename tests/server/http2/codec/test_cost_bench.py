"""bench/h2_codec_cost.py, short: both codecs answer every request of the recorded stream, and
the client decodes our answers (the bench measures a codec that does the work)."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

from typing import Any  # noqa: E402

import pytest  # noqa: E402
from h2.config import H2Configuration  # noqa: E402
from h2.connection import H2Connection  # noqa: E402
from h2.events import DataReceived, ResponseReceived  # noqa: E402

from bench.h2_codec_cost import BODY, REQUEST, RESPONSE, h2_server, record, serve, squall_server  # noqa: E402


@pytest.mark.parametrize("server", [h2_server, squall_server], ids=["h2", "squall"])
def test_codec_answers_every_request(server: Any) -> None:
    preface, chunks = record(50)
    connection, request_type = server()
    assert serve(connection, request_type, preface, chunks) == 50


def test_our_answers_decode() -> None:
    client = H2Connection(H2Configuration(client_side=True, header_encoding=None))
    client.initiate_connection()
    connection, request_type = squall_server()
    connection.receive_data(client.data_to_send())
    client.receive_data(connection.data_to_send())
    sent: list[bytes] = []
    for _ in range(3):
        stream_id = client.get_next_available_stream_id()
        client.send_headers(stream_id, REQUEST, end_stream=True)
        assert serve(connection, request_type, b"", [client.data_to_send()], sent) == 1
    events = client.receive_data(b"".join(sent))
    assert [e.headers for e in events if isinstance(e, ResponseReceived)] == [RESPONSE] * 3
    assert [e.data for e in events if isinstance(e, DataReceived)] == [BODY] * 3
