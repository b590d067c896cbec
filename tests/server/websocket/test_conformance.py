"""Regressions the Autobahn TestSuite found (test_autobahn.py), pinned with raw frames."""

from __future__ import annotations

import pytest

from tests.server.serving import (
    captured_errors,
    connect,
    read_head,
    read_until_closed,
    serve,
    wait_until,
)
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import (
    CLOSE,
    CONT,
    TEXT,
    close_code,
    frame,
    handshake_request,
    open_raw,
    read_frame,
)


@pytest.fixture(params=["websockets", "wsproto"])
def codec(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_close_between_fragments_is_answered_with_the_peers_code(codec: str) -> None:
    """Autobahn 7.1.5: a close after a first fragment ends the socket normally (not 1002);
    the fragment that follows the close is ignored and the server closes TCP."""
    with serve(echo, lifespan="off", ws=codec) as running, open_raw(running) as sock:
        sock.sendall(
            frame(TEXT, b"fragment1", fin=False)
            + frame(CLOSE, (1000).to_bytes(2, "big"))
            + frame(CONT, b"fragment2")
        )
        opcode, payload = read_frame(sock)
        assert (opcode, close_code(payload)) == (CLOSE, 1000)
        assert read_until_closed(sock) == b""


def test_protocol_error_after_a_message_in_the_same_read_closes_without_an_app_error(
    codec: str,
) -> None:
    """Autobahn 4.1.x, 5.x: a valid message, then a frame with a reserved opcode in the same
    TCP read.  The server fails the socket with 1002; the app's echo of the first message
    must meet a closing socket (a disconnect), not a codec error logged as the app's."""
    with captured_errors() as errors, serve(echo, lifespan="off", ws=codec) as running:
        with open_raw(running) as sock:
            sock.sendall(frame(TEXT, b"first") + frame(3, b"reserved opcode"))
            frames = [read_frame(sock)]
            if frames[0][0] != CLOSE:  # the echo may or may not go before the close
                frames.append(read_frame(sock))
            read_until_closed(sock)
        state = running.server.state
        assert state is not None
        wait_until(lambda: state.active_requests == 0, "the app to finish")
    assert frames[-1][0] == CLOSE and close_code(frames[-1][1]) == 1002
    assert frames[:-1] in ([], [(TEXT, b"first")])
    assert not errors.records, errors.messages() + errors.tracebacks()


def test_several_deflate_offers_in_one_header_value_are_negotiated(codec: str) -> None:
    """Autobahn 13.7.x: offers separated by commas in one Sec-WebSocket-Extensions value; the
    server takes the first it supports (wsproto's helper wants them split: it got a 403)."""
    offers = (
        "permessage-deflate; client_no_context_takeover; client_max_window_bits=9, "
        "permessage-deflate; client_no_context_takeover, permessage-deflate"
    )
    with serve(echo, lifespan="off", ws=codec) as running, connect(running) as sock:
        sock.sendall(handshake_request(Sec_WebSocket_Extensions=offers))
        head = read_head(sock).decode("latin-1").lower()
    assert head.startswith("http/1.1 101"), head
    assert "sec-websocket-extensions: permessage-deflate" in head  # either answer is valid
