"""--ws squall: the codec's own behaviour, its permessage-deflate negotiation, and real sockets.

The shared suite (test_messages.py) runs with this codec too; these are what only it has.
"""

from __future__ import annotations

import asyncio
import socket
import zlib

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from squall.server.websocket.codec import PONG, Closed, CodecOptions
from squall.server.websocket.codec_squall import SquallCodec, SquallCodecFactory
from squall.server.websocket.deflate import negotiate
from squall.server.websocket.frames import OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT, close_payload
from tests.server import serving
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import close_code, open_raw, read_frame
from tests.server.websocket.test_frames import client_frame

OPTIONS = CodecOptions(max_size=1000, per_message_deflate=True)


def test_a_ping_is_answered_and_a_pong_reported() -> None:
    codec = SquallCodec(None, OPTIONS)
    events = codec.receive(client_frame(OP_PING, b"hey") + client_frame(10, b""))
    assert events == [PONG]
    assert codec.outgoing() == (b"\x8a\x03hey", False)


def test_the_peers_close_is_echoed_and_the_connection_then_closed() -> None:
    codec = SquallCodec(None, OPTIONS)
    events = codec.receive(client_frame(OP_CLOSE, close_payload(4001, "done")))
    assert events == [Closed(4001, "done")]  # its code and reason: browsers show the reason
    assert codec.outgoing() == (b"\x88\x06" + (4001).to_bytes(2, "big") + b"done", True)
    codec.send_message("dropped after the close")
    assert codec.outgoing() == (b"", True)


def test_a_message_frame_is_written_whole_after_what_was_queued() -> None:
    """The connection's way to send (message_frame): one bytes to write, a queued pong first;
    nothing once the close is sent; has_output tells when outgoing() has something to say."""
    codec = SquallCodec(None, OPTIONS)
    assert not codec.has_output()
    assert codec.message_frame("hello") == b"\x81\x05hello"
    assert codec.message_frame(b"\x00\xff") == b"\x82\x02\x00\xff"
    assert codec.receive(client_frame(OP_PING, b"p") + client_frame(OP_TEXT, b"hi")) == ["hi"]
    assert codec.has_output()
    assert codec.message_frame("hi") == b"\x8a\x01p" + b"\x81\x02hi"
    assert not codec.has_output() and codec.outgoing() == (b"", False)
    codec.send_close(1000, "")
    assert codec.message_frame("late") == b""
    assert codec.has_output()


def test_a_close_without_a_code_is_echoed_without_one() -> None:
    codec = SquallCodec(None, OPTIONS)
    assert codec.receive(client_frame(OP_CLOSE, b"")) == [Closed(1005, "")]
    assert codec.outgoing() == (b"\x88\x00", True)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (client_frame(OP_CLOSE, (1006).to_bytes(2, "big")), 1002),
        (client_frame(OP_TEXT, b"\xc3"), 1007),
        (client_frame(OP_BINARY, b"x" * 1001), 1009),
    ],
)
def test_an_error_sends_its_close_code_and_closes(data: bytes, code: int) -> None:
    codec = SquallCodec(None, OPTIONS)
    events = codec.receive(data)
    assert len(events) == 1 and isinstance(events[0], Closed) and events[0].code == code
    out, eof = codec.outgoing()
    assert eof and out[:4] == b"\x88" + bytes((len(out) - 2,)) + code.to_bytes(2, "big")


def test_our_close_then_the_peers_answer_ends_the_connection() -> None:
    codec = SquallCodec(None, OPTIONS)
    codec.send_close(1001, "bye")
    assert codec.outgoing() == (b"\x88\x05\x03\xe9bye", False)
    assert codec.receive(client_frame(OP_CLOSE, close_payload(1001, ""))) == [Closed(1001, "")]
    assert codec.outgoing() == (b"", True)


NEGOTIATIONS = [
    (["permessage-deflate"], "permessage-deflate"),
    (
        ["permessage-deflate; client_max_window_bits"],
        "permessage-deflate",
    ),
    (
        ["permessage-deflate; server_no_context_takeover; client_no_context_takeover"],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
    ),
    (
        ['permessage-deflate; server_max_window_bits="10"; client_max_window_bits=9'],
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=9",
    ),
    # Declined offers, then one we take: the first acceptable one wins.
    (
        ["permessage-deflate; server_max_window_bits=16, permessage-deflate; x=1", "x-other"],
        None,
    ),
    (
        ["permessage-deflate; server_max_window_bits=07", "permessage-deflate; mux"],
        None,
    ),
    (
        ["permessage-deflate; client_no_context_takeover; client_no_context_takeover"],
        None,
    ),
    (["permessage-deflate; server_no_context_takeover=1"], None),
    (
        [
            "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=20, "
            "permessage-deflate; server_max_window_bits=12"
        ],
        "permessage-deflate; server_max_window_bits=12",
    ),
]


@pytest.mark.parametrize(("offers", "answer"), NEGOTIATIONS)
def test_negotiation_accepts_the_first_valid_offer_and_declines_invalid_ones(
    offers: list[str], answer: str | None
) -> None:
    params = negotiate(offers)
    assert (params.response() if params else None) == answer
    assert SquallCodecFactory().negotiate(offers, OPTIONS)[0] == answer


def test_no_context_takeover_preference_is_asked_of_both_sides() -> None:
    params = negotiate(["permessage-deflate"], no_context_takeover=True)
    assert params is not None
    assert params.response() == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
    )


def test_server_window_of_8_bits_is_accepted_but_never_compressed() -> None:
    factory = SquallCodecFactory()
    answer, negotiated = factory.negotiate(
        ["permessage-deflate; server_max_window_bits=8"], OPTIONS
    )
    assert answer == "permessage-deflate; server_max_window_bits=8"
    codec = factory.create(negotiated, OPTIONS)
    codec.send_message("a" * 500)
    assert codec.outgoing()[0][:4] == b"\x81\x7e\x01\xf4"  # RSV1 clear, the text as is


def test_sent_messages_are_compressed_and_inflate_back() -> None:
    factory = SquallCodecFactory()
    _, negotiated = factory.negotiate(["permessage-deflate"], OPTIONS)
    codec = factory.create(negotiated, OPTIONS)
    inflater = zlib.decompressobj(-15)
    for _ in range(2):  # the second message leans on the first's context
        codec.send_message("squall " * 100)
        out, _ = codec.outgoing()
        assert out[0] == 0xC1 and out[1] < 126
        assert inflater.decompress(out[2:] + b"\x00\x00\xff\xff") == b"squall " * 100


# -- Real sockets ------------------------------------------------------------------------------


def test_compression_parameters_work_end_to_end_with_the_websockets_client() -> None:
    offer = ClientPerMessageDeflateFactory(
        server_no_context_takeover=True, client_no_context_takeover=True, server_max_window_bits=10
    )

    async def client(port: int) -> str | None:
        async with ws_connect(f"ws://127.0.0.1:{port}/", extensions=[offer]) as ws:
            for size in (5, 5000, 70000):
                await ws.send("é" * size)
                assert await ws.recv() == "é" * size
                await ws.send(bytes(size))
                assert await ws.recv() == bytes(size)
            assert ws.response is not None
            return ws.response.headers.get("sec-websocket-extensions")

    with serving.serve(echo, ws="squall", lifespan="off") as running:
        answer = asyncio.run(client(running.port))
    assert answer == (
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=10"
    )


def test_an_oversize_frame_is_refused_before_its_payload_is_sent() -> None:
    with serving.serve(echo, ws="squall", lifespan="off", ws_max_size=1000) as running:
        sock = open_raw(running)
        header = client_frame(OP_BINARY, b"x" * 1_000_000)[:14]
        sock.sendall(header)  # the header alone: the payload never comes
        opcode, payload = read_frame(sock)
        assert (opcode, close_code(payload)) == (OP_CLOSE, 1009)
        sock.settimeout(5)
        assert sock.recv(10) == b""  # and the server closed the connection
        sock.close()


def test_a_ping_between_fragments_is_answered_and_the_message_echoed() -> None:
    with serving.serve(echo, ws="squall", lifespan="off") as running:
        sock = open_raw(running)
        sock.sendall(
            client_frame(OP_TEXT, b"fir", fin=False)
            + client_frame(OP_PING, b"mid")
            + client_frame(0, b"st")
        )
        assert read_frame(sock) == (10, b"mid")
        assert read_frame(sock) == (OP_TEXT, b"first")
        sock.shutdown(socket.SHUT_WR)
        sock.close()
