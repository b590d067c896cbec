"""Regressions the Autobahn TestSuite found (test_autobahn.py), pinned with raw frames."""

from __future__ import annotations

import pytest

from tests.server.serving import read_until_closed, serve
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import CLOSE, CONT, TEXT, close_code, frame, open_raw, read_frame


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
