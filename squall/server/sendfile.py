"""File bodies with zero copy: the ASGI ``http.response.zerocopy`` and ``pathsend`` extensions.

Every HTTP scope offers both (``scope["extensions"]``).  ``http.response.pathsend`` sends the
file at ``path`` as the rest of the body; ``http.response.zerocopy`` sends ``count`` bytes of
an open ``file`` (a file object or descriptor) from ``offset`` (``more_body`` as for
``http.response.body``).  The bytes go from the page cache to the socket with ``os.sendfile``
when the protocol lets them go unframed (a response with a ``content-length`` on plain
HTTP/1.1, nothing waiting in the transport's buffer); otherwise (TLS, chunked framing, a
backlog) they are read in 64 KiB parts, off the event loop, and written like any body.

uvloop's transports don't implement ``loop.sendfile``, and asyncio's needs the transport's
buffer flushed and its reading paused; so the server calls ``os.sendfile`` itself on the
transport's socket, and when the socket is full waits for it to drain on a duplicate of its
descriptor (a loop refuses a second watcher on a transport's own descriptor).  A departing
client wakes that wait (``Exchange.on_disconnect``).

Not compiled: a file answer's cost is the copy, not these few calls.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any, Final

from squall.native import ClientGone, Message

if TYPE_CHECKING:
    from squall.server.exchange import Exchange

FRAMED: Final = -1  # as exchange.py's (which imports this module)
DROPPED: Final = -2

CHUNK: Final = 64 * 1024
FILE_EXTENSIONS: Final[dict[str, dict[str, Any]]] = {
    "http.response.pathsend": {},
    "http.response.zerocopy": {},
}


class Counters:
    """Bytes sent each way since start: tests and curiosity read them."""

    zero_copy = 0
    copied = 0
    waits = 0  # times a sendfile found the socket full and waited for it


async def send_file_message(exchange: Exchange, message: Message) -> None:
    """Carry out a ``pathsend`` or ``zerocopy`` message on ``exchange``."""
    if message["type"] == "http.response.pathsend":
        fd = os.open(message["path"], os.O_RDONLY | os.O_CLOEXEC)
        try:
            await send_file_part(exchange, fd, 0, None, False)
        finally:
            os.close(fd)
        return
    file = message["file"]
    fd = file if isinstance(file, int) else file.fileno()
    offset = message.get("offset") or 0
    await send_file_part(
        exchange, fd, offset, message.get("count"), message.get("more_body", False)
    )


async def send_file_part(
    exchange: Exchange, fd: int, offset: int, count: int | None, more: bool
) -> None:
    """Send ``count`` bytes of ``fd`` from ``offset`` (to its end if None) as body."""
    if count is None:
        count = max(os.fstat(fd).st_size - offset, 0)
    if exchange.disconnected:
        raise ClientGone("the client has disconnected")
    if not exchange.started:
        raise RuntimeError("'http.response.start' must be sent before the body")
    target = exchange.writer.raw_socket(exchange, count) if count else DROPPED
    if target >= 0:
        await _sendfile(exchange, target, fd, offset, count)
        Counters.zero_copy += count
        if exchange.conn.access_log:
            exchange.body_bytes += count
    elif target == FRAMED:
        await _copy(exchange, fd, offset, count)
    if not more:
        await exchange.end_response()


async def _copy(exchange: Exchange, fd: int, offset: int, count: int) -> None:
    loop = exchange.conn.loop
    threaded = count > CHUNK
    while count > 0:
        size = min(CHUNK, count)
        if threaded:
            data = await loop.run_in_executor(None, os.pread, fd, size, offset)
        else:
            data = os.pread(fd, size, offset)
        if not data:
            raise RuntimeError("the file is shorter than the part to send")
        await exchange.write(data)
        Counters.copied += len(data)
        offset += len(data)
        count -= len(data)


async def _sendfile(exchange: Exchange, sock: int, fd: int, offset: int, count: int) -> None:
    watched = -1  # a duplicate of ``sock`` to wait on, made on the first full socket
    try:
        while count > 0:
            try:
                sent = os.sendfile(sock, fd, offset, count)
            except BlockingIOError:
                if watched < 0:
                    watched = os.dup(sock)
                await _writable(exchange, watched)
                continue
            except OSError as exc:  # the peer reset or closed: as a failed write would
                exchange.disconnected = True
                raise ClientGone("the client has disconnected") from exc
            if sent == 0:
                raise RuntimeError("the file is shorter than the part to send")
            offset += sent
            count -= sent
    finally:
        if watched >= 0:
            os.close(watched)


async def _writable(exchange: Exchange, watched: int) -> None:
    """Wait until the socket takes more, or the client is gone (then raise ClientGone)."""
    if exchange.disconnected:
        raise ClientGone("the client has disconnected")
    Counters.waits += 1
    loop: Any = exchange.conn.loop
    waiter: asyncio.Future[None] = loop.create_future()
    exchange.writable_waiter = waiter  # on_disconnect wakes it too
    loop.add_writer(watched, _wake, waiter)
    try:
        await waiter
    finally:
        loop.remove_writer(watched)
        exchange.writable_waiter = None
    if exchange.disconnected:
        raise ClientGone("the client has disconnected")


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
