"""The ASGI face of a WebSocket (spec 2.4): message dicts over the connection's own methods.

An app without ``__squall_native_websocket__`` talks to the socket through the connection's
``receive`` and ``send``, which land here: a thin translation to and from the native calls
(connection.py), checking each message against the socket's phase (phase.py).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Final

from squall.native import ClientGone, WebSocketClosed
from squall.server.faults import InvalidMessage
from squall.server.websocket.phase import Phase

if TYPE_CHECKING:
    from squall.server.websocket.connection import WebSocketConnection

NORMAL: Final = 1000  # the close code when the app gives none


async def receive(conn: WebSocketConnection) -> dict[str, Any]:
    """The app's next ASGI message: ``websocket.connect`` first, then what the peer sends."""
    if not conn.connect_sent:
        conn.connect_sent = True
        return {"type": "websocket.connect"}
    try:
        data = await conn.receive_message()
    except WebSocketClosed as closed:
        return {"type": "websocket.disconnect", "code": closed.code, "reason": closed.reason}
    if isinstance(data, str):
        return {"type": "websocket.receive", "text": data}
    return {"type": "websocket.receive", "bytes": data}


def send(conn: WebSocketConnection, message: dict[str, Any]) -> Awaitable[None]:
    """Act on one of the app's ASGI messages, as the socket's phase allows: a plain function
    returning an awaitable (as the spec allows, and as the HTTP ``send`` does), done already
    unless a ``websocket.send`` waits for the write buffer to drain."""
    kind = message["type"]
    phase = conn.phase
    if phase is Phase.HANDSHAKE:
        if kind == "websocket.accept":
            conn.accept(message.get("subprotocol"), message.get("headers") or ())
        elif kind == "websocket.close":
            conn.close()
        elif kind == "websocket.http.response.start":
            conn.start_response(int(message["status"]), message.get("headers") or ())
        else:
            raise InvalidMessage(f"unexpected ASGI message {kind!r} before websocket.accept")
    elif phase is Phase.OPEN:
        if kind == "websocket.send":
            return conn.send_message(payload(message))
        elif kind == "websocket.close":
            conn.close(message.get("code") or NORMAL, message.get("reason") or "")
        else:
            raise InvalidMessage(f"unexpected ASGI message {kind!r} on an open WebSocket")
    elif phase is Phase.RESPONSE:
        if kind != "websocket.http.response.body":
            raise InvalidMessage(f"unexpected ASGI message {kind!r} in a response")
        conn.response_body(message.get("body", b""), message.get("more_body", False))
    elif kind == "websocket.send" or kind == "websocket.close":
        raise ClientGone()  # see send_message
    else:
        raise InvalidMessage(f"unexpected ASGI message {kind!r} after the close")
    return conn.server_state.done


def payload(message: dict[str, Any]) -> str | bytes:
    """A ``websocket.send`` message's data: exactly one of ``text`` (str), ``bytes`` (bytes)."""
    text = message.get("text")
    data = message.get("bytes")
    if (text is None) == (data is None):
        raise InvalidMessage("'websocket.send' needs exactly one of 'text' and 'bytes'")
    if text is not None:
        if not isinstance(text, str):
            raise InvalidMessage(f"'websocket.send' text must be str, not {type(text).__name__}")
        return text
    if not isinstance(data, bytes):
        raise InvalidMessage(f"'websocket.send' bytes must be bytes, not {type(data).__name__}")
    return data
