"""A peer that vanishes mid-frame, and the scheme a trusted proxy forwards, with raw sockets."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.server.serving import captured_errors, connect, read_head, serve, wait_until
from tests.server.websocket.apps import echo
from tests.server.websocket.raw import TEXT, frame, handshake_request, open_raw, read_frame


def test_a_peer_gone_mid_frame_is_a_1006_disconnect_for_the_app() -> None:
    seen: list[dict[str, Any]] = []
    gone = threading.Event()

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                seen.append(message)
                gone.set()
                return

    with captured_errors() as errors, serve(app, lifespan="off") as running:
        sock = open_raw(running)
        whole = frame(TEXT, b"x" * 100)
        sock.sendall(whole[: len(whole) // 3])  # a third of the frame, then the TCP close
        sock.close()
        assert gone.wait(5)
        wait_until(lambda: not running.server.state.connections, "the connection to go")
    assert seen[0]["code"] == 1006
    assert not errors.tracebacks(), errors.messages()


@pytest.mark.parametrize(("trusted", "scheme"), [(True, "wss"), (False, "ws")])
def test_a_trusted_proxys_https_makes_the_scheme_wss(trusted: bool, scheme: str) -> None:
    # The test client connects from 127.0.0.1, which the default --forwarded-allow-ips trusts.
    with serve(echo, lifespan="off", proxy_headers=trusted) as running:
        sock = connect(running)
        sock.sendall(handshake_request(X_Forwarded_Proto="https"))
        assert read_head(sock).startswith(b"HTTP/1.1 101")
        sock.sendall(frame(TEXT, b"scope"))
        opcode, payload = read_frame(sock)
        sock.close()
    assert opcode == TEXT
    assert f"'scheme': '{scheme}'" in payload.decode()
