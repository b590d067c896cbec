"""The ASGI ``http.response.trailers`` extension over HTTP/2: trailer fields after the body.

An HTTP/2 scope lists the extension.  A response that starts with ``trailers: true`` is not
ended by its last body part: its END_STREAM waits for the ``http.response.trailers`` messages
(``headers``, ``more_trailers``), whose fields go out in a last HEADERS frame once the body
has (behind the flow-control windows, flow.py).  Pseudo-header and connection-specific
fields, and those that frame or route the message (RFC 9110, 6.5.1), are dropped.  An app
that ends without sending the trailers it announced has its stream reset (INTERNAL_ERROR),
as one that fails mid-body.

Request trailers (a HEADERS frame after the request's DATA) are accepted and dropped: ASGI has
no message to carry them to the app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from squall.server.sendfile import FILE_EXTENSIONS
from squall.server.state import error_logger

if TYPE_CHECKING:
    from squall.server.http2.stream import H2Stream

EXTENSIONS: Final = {**FILE_EXTENSIONS, "http.response.trailers": {}}
DROPPED: Final = frozenset(
    (
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
        b"content-type",
        b"content-encoding",
        b"host",
        b"trailer",
        b"te",
    )
)


def add_trailers(stream: H2Stream, headers: Iterable[Any], more: bool) -> None:
    """Take the fields of one trailers message; after the last, end the stream with them."""
    fields = stream.trailers or []
    for name, value in headers:
        lower = bytes(name).lower()
        if lower[:1] != b":" and lower not in DROPPED:
            fields.append((lower, bytes(value)))
    stream.trailers = fields
    if not more:
        if not fields:
            stream.trailers = None  # nothing to say: END_STREAM on an empty DATA frame
        stream.end_queued = True
        stream.owner.send_outbox(stream)


def expect(stream: H2Stream) -> None:
    """The response started with ``trailers: true`` (the stream's ``app_done`` checks that
    they came)."""
    stream.trailers_expected = True


def end_unfinished(stream: H2Stream) -> None:
    """The app has ended: a stream still waiting for its trailers is reset."""
    from squall.server.http2.stream import CLOSED  # stream.py imports this module

    if stream.trailers_expected and not stream.end_sent and stream.phase != CLOSED:
        if stream.end_queued:  # the last trailers are queued behind a closed window
            return
        error_logger.warning("the app ended without the trailers it announced")
        stream.close()
