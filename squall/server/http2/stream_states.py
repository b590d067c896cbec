"""A stream's states as the server sees them (RFC 9113, 5.1), with the legal transitions.

The server never pushes, so "reserved" does not occur; "idle" streams are not stored (a
stream id above the highest seen is idle, one at or below it that is not stored is closed).

    idle --recv HEADERS--> open              (half-closed (remote) if it carried END_STREAM)
    open --recv END_STREAM--> half-closed (remote)
    open --send END_STREAM--> half-closed (local)
    half-closed (remote) --send END_STREAM--> closed
    half-closed (local) --recv END_STREAM--> closed
    any --send or recv RST_STREAM--> closed
"""

from __future__ import annotations

from typing import Final

OPEN: Final = 1
HALF_CLOSED_REMOTE: Final = 2
HALF_CLOSED_LOCAL: Final = 3
CLOSED: Final = 4

RECV_END_STREAM: Final = 1
SEND_END_STREAM: Final = 2

TRANSITIONS: Final[dict[tuple[int, int], int]] = {
    (OPEN, RECV_END_STREAM): HALF_CLOSED_REMOTE,
    (OPEN, SEND_END_STREAM): HALF_CLOSED_LOCAL,
    (HALF_CLOSED_REMOTE, SEND_END_STREAM): CLOSED,
    (HALF_CLOSED_LOCAL, RECV_END_STREAM): CLOSED,
}


class IllegalTransition(Exception):
    pass


class Stream:
    """One stream's state and windows.  ``send_window`` is what the peer lets us send;
    ``recv_window`` what we let it send, ``unacknowledged`` the bytes consumed since our
    last WINDOW_UPDATE; ``expected_length`` its content-length (-1: none), checked against
    ``received_length``."""

    def __init__(self, stream_id: int, send_window: int, recv_window: int, length: int) -> None:
        self.stream_id = stream_id
        self.state = OPEN
        self.send_window = send_window
        self.recv_window = recv_window
        self.unacknowledged = 0
        self.expected_length = length
        self.received_length = 0

    def advance(self, action: int) -> int:
        """Apply ``action``: the new state, or IllegalTransition."""
        state = TRANSITIONS.get((self.state, action), 0)
        if not state:
            raise IllegalTransition(f"stream {self.stream_id}: {action} in state {self.state}")
        self.state = state
        return state

    @property
    def may_receive(self) -> bool:
        """DATA or trailers may still come (open or half-closed (local))."""
        return self.state == OPEN or self.state == HALF_CLOSED_LOCAL

    @property
    def may_send(self) -> bool:
        return self.state == OPEN or self.state == HALF_CLOSED_REMOTE
