"""The read that parks: how a WebSocket app's coroutine waits for its next message.

:func:`next_message` is what the connection's ``receive_message()`` returns on an open
socket.  In the app's own task it *parks* the coroutine (it yields :data:`PARKED`, not a
future) and the driver (driver.py) sends the message in when it comes; in another task it
waits on a future, as any read would.

Interpreted on purpose: ``types.coroutine`` makes an awaitable only of a real generator, and
a generator the interpreter runs is resumed without a ``StopIteration`` at its end.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Generator
from typing import Any, Final, Protocol


class Marker:
    """A step of the coroutine that is not a future (see PARKED, and driver.py's FINISHED)."""


PARKED: Final = Marker()  # what a coroutine yields while it waits for the next message


class MessageSource(Protocol):
    def ready_message(self) -> str | bytes | None:
        """A message received and not read yet, or None; raises WebSocketClosed once the
        socket is closed and every message read."""
        ...

    def can_park(self) -> bool:
        """Whether the caller may park: it runs in the app's own task (its Driver's) and
        no other read is waiting."""
        ...

    def message_future(self) -> asyncio.Future[str | bytes]:
        """The next message as a future (for a read in a task of its own)."""
        ...


@types.coroutine
def next_message(source: MessageSource) -> Generator[Any, Any, str | bytes]:
    """The next message of ``source``.  Where to wait is decided when the read is first
    awaited, in the task that awaits it (a read handed to ``asyncio.create_task`` or
    ``wait_for`` runs in a task of its own): in the app's own task the coroutine parks while
    no message is there (a message that comes meanwhile is sent in by ``Driver.resume``;
    None sends it to look again); elsewhere it waits on a future."""
    message = source.ready_message()
    if message is not None:
        return message
    if not source.can_park():
        return (yield from source.message_future())
    while True:
        message = yield PARKED
        if message is not None:
            return message
        message = source.ready_message()
        if message is not None:
            return message
