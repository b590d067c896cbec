"""Server-Sent Events: ``EventSourceResponse`` streams the events an (async) iterable yields.

Shaped like sse-starlette's, so a FastAPI app ports by changing its imports::

    @app.get("/events")
    async def events(last_event_id: LastEventId = None) -> EventSourceResponse:
        async def stream():
            for number in count(int(last_event_id or 0) + 1):
                yield ServerSentEvent(f"tick {number}", id=str(number))
                await asyncio.sleep(1)

        return EventSourceResponse(stream())

The iterable yields :class:`ServerSentEvent` objects, dicts of their fields, ``str`` (the
data of an event) or ``bytes`` (sent exactly as given).  Each event is sent as it comes,
never gathered; while the iterable is idle a comment line (``: ping ...``) goes out every
``ping`` seconds so proxies keep the connection.  When the client goes away the iterable is
closed at once (its ``finally`` blocks run), on Squall's server and under any ASGI server.
When Squall's server starts a graceful shutdown the stream ends too: the iterable is closed
and the body ended cleanly, so open streams do not hold the shutdown until its timeout.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from squall.encoders import encode_json
from squall.native import shutdown_announced
from squall.params import Header
from squall.responses import RawHeaders, Response, SelfSending, _in_threads

__all__ = [
    "EventSourceResponse",
    "JSONServerSentEvent",
    "LastEventId",
    "SendTimeoutError",
    "ServerSentEvent",
]

# The ``Last-Event-ID`` a reconnecting EventSource sends: ``last_event_id: LastEventId = None``
# (a plain ``last_event_id: Annotated[str | None, Header()] = None`` reads it too).
LastEventId = Annotated[str | None, Header(alias="last-event-id")]

SEPARATORS: Final = ("\r\n", "\r", "\n")
DEFAULT_SEPARATOR: Final = "\r\n"
LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")


class SendTimeoutError(TimeoutError):
    """An event could not be handed to the client within ``send_timeout`` seconds."""


def _one_line(field: str, value: str, forbidden: str = "\r\n") -> str:
    if any(character in value for character in forbidden):
        raise ValueError(f"an event's {field} must be one line without {forbidden!r}: {value!r}")
    return value


def _separator(sep: str | None) -> str | None:
    if sep is not None and sep not in SEPARATORS:
        raise ValueError(f"sep must be one of '\\r\\n', '\\r' or '\\n', not {sep!r}")
    return sep


class ServerSentEvent:
    """One event: ``data`` (several lines become several ``data:`` fields), ``event`` (its
    type, ``message`` when absent), ``id`` (what the browser sends back as ``Last-Event-ID``),
    ``retry`` (the reconnection delay in milliseconds) and ``comment`` (``: ...`` lines,
    which clients ignore).  ``data`` that is not ``str`` is sent as ``str(data)`` (``bytes``
    decoded as UTF-8); :class:`JSONServerSentEvent` encodes it as JSON instead."""

    def __init__(
        self,
        data: Any = None,
        *,
        event: str | None = None,
        id: str | None = None,  # the field's name in the protocol
        retry: int | None = None,
        comment: str | None = None,
        sep: str | None = None,
    ) -> None:
        if retry is not None and (type(retry) is not int or retry < 0):
            raise TypeError(f"retry must be a whole number of milliseconds (>= 0): {retry!r}")
        self.data = data
        self.event = None if event is None else _one_line("event", event)
        self.id = None if id is None else _one_line("id", id, "\r\n\0")
        self.retry = retry
        self.comment = comment
        self.sep = _separator(sep)

    def encode(self, sep: str | None = None) -> bytes:
        """The event on the wire; its own ``sep`` wins over ``sep``, else CRLF."""
        end = self.sep or sep or DEFAULT_SEPARATOR
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(": " + line for line in LINE_BREAK.split(str(self.comment)))
        if self.id is not None:
            lines.append("id: " + self.id)
        if self.event is not None:
            lines.append("event: " + self.event)
        if self.data is not None:
            lines.extend("data: " + line for line in LINE_BREAK.split(_text(self.data)))
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        return ("".join(line + end for line in lines) + end).encode("utf-8")

    def __repr__(self) -> str:
        fields = ("data", "event", "id", "retry", "comment")
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in fields if getattr(self, name) is not None
        )
        return f"{type(self).__name__}({shown})"


class JSONServerSentEvent(ServerSentEvent):
    """An event whose ``data`` is encoded as compact JSON (Structs, dataclasses, pydantic
    models, datetimes... as endpoint results are)."""

    def __init__(self, data: Any = None, **fields: Any) -> None:
        encoded = None if data is None else encode_json(data).decode("utf-8")
        super().__init__(encoded, **fields)


def _text(data: Any) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data).decode("utf-8")
    return str(data)


def encode_item(item: Any, sep: str) -> bytes:
    """What the iterable yielded, on the wire: an event, a dict of an event's fields, bytes
    as they are, anything else as an event's data."""
    if isinstance(item, bytes | bytearray | memoryview):
        return bytes(item)
    if isinstance(item, ServerSentEvent):
        return item.encode(sep)
    if isinstance(item, Mapping):
        return ServerSentEvent(**item).encode(sep)
    return ServerSentEvent(item).encode(sep)


def default_ping() -> ServerSentEvent:
    return ServerSentEvent(comment="ping " + datetime.now(UTC).isoformat(timespec="seconds"))


class EventSourceResponse(Response):
    """A ``text/event-stream`` response of the events ``content`` yields (see the module).

    - ``ping``: seconds of silence before a keep-alive comment (None or 0: none);
      ``ping_message_factory()`` makes that message instead of ``: ping <time>``.
    - ``sep``: the line ending, ``"\\r\\n"`` (default), ``"\\r"`` or ``"\\n"``.
    - ``send_timeout``: seconds an event may wait for a slow client before the stream ends
      with :class:`SendTimeoutError` (None: no limit).
    - ``data_sender_callable``: a coroutine function run alongside the stream (cancelled
      when it ends); ``client_close_handler_callable(message)``: awaited when the client
      disconnects, with the ``http.disconnect`` message.

    Sent with ``Cache-Control: no-cache`` (unless ``headers`` has one) and
    ``X-Accel-Buffering: no`` (nginx passes each event on at once)."""

    DEFAULT_PING_INTERVAL: Final = 15
    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = "text/event-stream",
        background: Callable[[], Awaitable[None]] | None = None,
        ping: float | None = DEFAULT_PING_INTERVAL,
        sep: str | None = None,
        ping_message_factory: Callable[[], Any] | None = None,
        data_sender_callable: Callable[[], Awaitable[None]] | None = None,
        send_timeout: float | None = None,
        client_close_handler_callable: Callable[[Any], Awaitable[None]] | None = None,
    ) -> None:
        if ping is not None and (not isinstance(ping, int | float) or ping < 0):
            raise ValueError(f"ping is a number of seconds (>= 0) or None: {ping!r}")
        super().__init__(b"", status_code, headers, media_type, background)
        self.sep = _separator(sep) or DEFAULT_SEPARATOR
        self.ping_interval = ping or 0
        self.ping_message_factory = ping_message_factory or default_ping
        self.data_sender_callable = data_sender_callable
        self.send_timeout = send_timeout
        self.client_close_handler_callable = client_close_handler_callable
        present = {name for name, _ in self.raw_headers}
        if b"cache-control" not in present:
            self.raw_headers.append((b"cache-control", b"no-cache"))
        if b"x-accel-buffering" not in present:
            self.raw_headers.append((b"x-accel-buffering", b"no"))
        self.content = content
        self.body = EventStream(self)  # type: ignore[assignment]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """As a plain ASGI app (inside another framework's route, say)."""
        body: EventStream = self.body  # type: ignore[assignment]
        await body.send(send, scope, self.status_code, self.raw_headers, receive)
        if self.background is not None:
            await self.background()


class _Outlet:
    """The response's body channel: one event at a time (the keep-alive pings and the
    events never interleave), each within the send timeout; notes when it last wrote."""

    def __init__(self, send: Any, timeout: float | None) -> None:
        self._send = send
        self._timeout = timeout
        self._lock = asyncio.Lock()
        self._loop = asyncio.get_running_loop()
        self.last_write = self._loop.time()

    async def write(self, chunk: bytes, more: bool = True) -> None:
        async with self._lock:
            try:
                async with asyncio.timeout(self._timeout):
                    await self._send(
                        {"type": "http.response.body", "body": chunk, "more_body": more}
                    )
            except TimeoutError:
                raise SendTimeoutError(
                    f"the client took more than {self._timeout} s to take an event"
                ) from None
            self.last_write = self._loop.time()


class EventStream(SelfSending):
    """The body of an EventSourceResponse: the events, pings and the disconnect watch."""

    def __init__(self, response: EventSourceResponse) -> None:
        self.response = response

    async def send(
        self,
        send: Any,
        scope: Mapping[str, Any],
        status: int,
        headers: RawHeaders,
        receive: Any = None,
    ) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        outlet = _Outlet(send, self.response.send_timeout)
        if scope.get("method") != "HEAD":
            listener, ended = await self._stream(outlet, receive)
            if listener is not None and _ended_well(listener):
                handler = self.response.client_close_handler_callable
                if handler is not None:
                    await handler(listener.result())
                return  # the client is gone: nothing more to send
            for task in ended:
                error = None if task.cancelled() else task.exception()
                if isinstance(error, OSError) and not isinstance(error, SendTimeoutError):
                    return  # the server says the client is gone (a TimeoutError is an OSError)
                if error is not None:
                    raise error
        await outlet.write(b"", more=False)

    async def _stream(
        self, outlet: _Outlet, receive: Any
    ) -> tuple[asyncio.Future[Any] | None, list[asyncio.Future[Any]]]:
        """Run the events, the pings, the data sender, the disconnect watch and the shutdown
        watch until one of them ends; cancel the others.  The disconnect watch (None without
        ``receive``) and the rest."""
        tasks: list[asyncio.Future[Any]] = [
            asyncio.ensure_future(self._produce(outlet)),
            asyncio.ensure_future(self._keep_alive(outlet)),
        ]
        sender = self.response.data_sender_callable
        if sender is not None:
            tasks.append(asyncio.ensure_future(_until_cancelled(sender)))
        # the server's graceful shutdown (Squall's server announces it) ends the stream
        tasks.append(asyncio.ensure_future(shutdown_announced(asyncio.get_running_loop()).wait()))
        listener = None if receive is None else asyncio.ensure_future(_disconnect(receive))
        watched = tasks if listener is None else [listener, *tasks]
        try:
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in watched:
                task.cancel()
            await asyncio.gather(*watched, return_exceptions=True)
        return listener, tasks

    async def _produce(self, outlet: _Outlet) -> None:
        content = self.response.content
        events: AsyncIterator[Any] = (
            aiter(content) if isinstance(content, AsyncIterable) else _in_threads(iter(content))
        )
        sep = self.response.sep
        try:
            async for item in events:
                await outlet.write(encode_item(item, sep))
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()

    async def _keep_alive(self, outlet: _Outlet) -> None:
        interval = self.response.ping_interval
        if not interval:
            await asyncio.Future()  # no pings: wait to be cancelled
        loop = asyncio.get_running_loop()
        while True:
            quiet = loop.time() - outlet.last_write
            if quiet < interval:
                await asyncio.sleep(interval - quiet)
                continue
            ping = self.response.ping_message_factory()
            await outlet.write(encode_item(ping, self.response.sep))


async def _until_cancelled(sender: Callable[[], Awaitable[None]]) -> None:
    """The data sender, then a wait: its end does not end the stream, its error does."""
    await sender()
    await asyncio.Future()


def _ended_well(task: asyncio.Future[Any]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


async def _disconnect(receive: Any) -> Any:
    """Wait for the client to go; the ``http.disconnect`` message."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return message
