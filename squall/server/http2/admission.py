"""What a new stream is before its app runs: as whom it is served, and whether it is.

- Proxy headers: a stream from a trusted peer (``--proxy-headers``, ``--forwarded-allow-ips``)
  names its client and scheme with ``Forwarded`` / ``X-Forwarded-*`` as an HTTP/1.1 request
  does; the same resolver (proxy_headers.py) reads them.
- ``--limit-concurrency``: past it, a stream is answered 503 without its app, as an HTTP/1.1
  request is.  (REFUSED_STREAM is for ``--h2-max-concurrent-streams``, the one connection's
  limit, which a client may retry on the same connection at once; a 503 says the server as a
  whole is busy, over both protocols alike.)
- A header list past ``--h2-max-header-list-size`` (decoded to defences.py's TOO_LARGE): 431.
- ``--timeout-body`` per stream: a request body that stops coming gets 408 (if the app has
  not answered yet) and the stream is reset, the app seeing a disconnect; the clock restarts
  once BODY_PROGRESS bytes have come, and waits while the app has not taken what came, as on
  HTTP/1.1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from squall.server.exchange import RECEIVING
from squall.server.http2.defences import TOO_LARGE
from squall.server.http2.stream import CLOSED

if TYPE_CHECKING:
    import asyncio

    from squall.server.exchange import Exchange
    from squall.server.http2.stream import H2Stream
    from squall.server.state import ServerState

BODY_PROGRESS: Final = 1024  # body bytes that restart the body timer (as HTTP/1.1's)
TOO_LARGE_NAME: Final = TOO_LARGE[0]


def trusts_proxy_headers(state: ServerState, peername: Any) -> bool:
    """Whether the streams of a connection from ``peername`` may carry proxy headers."""
    trust = state.proxy_trust
    return trust is not None and trust.trusts_peer(peername)


def apply_proxy_headers(state: ServerState, exchange: Exchange) -> None:
    """A trusted peer's proxy headers may name another client and scheme for the stream."""
    trust = state.proxy_trust
    if trust is None:
        return
    conn = exchange.conn
    forwarded = trust.resolve(exchange.headers, conn.client, conn.scheme)
    if forwarded is not None:
        exchange.forward(forwarded[0], forwarded[1])


def refusal(state: ServerState, headers: list[tuple[bytes, bytes]]) -> tuple[int, str] | None:
    """The error a new stream gets instead of its app, or None to run the app."""
    if headers and headers[-1][0] == TOO_LARGE_NAME:  # defences.is_too_large, compiled here
        return (431, "Request header fields too large")
    limit = state.limit_concurrency
    if limit is not None and state.active_requests >= limit:
        return (503, "Service Unavailable")
    return None


Timers = dict[int, "asyncio.TimerHandle"]  # per stream id: the connection's, to cancel


def watch_body(stream: H2Stream, timers: Timers, received: int = 0) -> None:
    """Check in ``--timeout-body`` seconds that the stream's body has come on."""
    state = stream.state
    timers[stream.stream_id] = state.loop.call_later(
        state.timeout_body, _check_body, stream, timers, received
    )


def _check_body(stream: H2Stream, timers: Timers, mark: int) -> None:
    timers.pop(stream.stream_id, None)
    exchange = stream.exchange
    if exchange is None or stream.phase == CLOSED or exchange.body_state != RECEIVING:
        return
    received = exchange.body_received
    if stream.read_paused or received - mark >= BODY_PROGRESS:  # the app's turn, or progress
        watch_body(stream, timers, received)
        return
    stream.fail(408, "Request body timeout")
