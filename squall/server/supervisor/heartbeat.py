"""The pipe between a worker and the supervisor: one-byte messages, worker to supervisor.

The worker says when it is ready to serve (lifespan startup done, sockets listening), beats
while its event loop turns, and asks to be retired when it has served its quota.  A worker
whose beats stop is stuck: the supervisor replaces it.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Final

READY: Final = b"r"
BEAT: Final = b"b"
RETIRE: Final = b"x"


def beat_interval(timeout: float) -> float:
    """How often a worker beats: several beats fit in the supervisor's timeout."""
    return min(1.0, timeout / 4)


class HeartbeatSender:
    """The worker's end of the pipe."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def send(self, message: bytes) -> bool:
        """Send one message; False when the supervisor is gone (its end is closed)."""
        try:
            self.connection.send_bytes(message)
        except OSError:
            return False
        return True

    def close(self) -> None:
        self.connection.close()


class HeartbeatReceiver:
    """The supervisor's end of one worker's pipe."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.closed = False

    def receive(self) -> list[bytes]:
        """Every message waiting now (never blocks); marks the pipe closed at end of file."""
        messages: list[bytes] = []
        try:
            while not self.closed and self.connection.poll():
                messages.append(self.connection.recv_bytes())
        except (EOFError, OSError):
            self.closed = True
        return messages

    def close(self) -> None:
        self.closed = True
        self.connection.close()
