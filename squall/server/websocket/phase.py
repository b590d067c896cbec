"""The phases of a WebSocket connection (connection.py), and their legal moves::

HANDSHAKE -> OPEN (accept) | RESPONSE (respond / websocket.http.response.start) | CLOSED
RESPONSE  -> CLOSED (the response's last body message)
OPEN      -> CLOSING (a close frame sent or received) | CLOSED (the TCP connection is gone)
CLOSING   -> CLOSED
"""

from __future__ import annotations

import enum


class Phase(enum.Enum):
    HANDSHAKE = "handshake"
    RESPONSE = "response"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
