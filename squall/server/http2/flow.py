"""Send-side flow control: a stream's outbox goes out as the peer's windows allow.

The peer grants a window per stream and one for the whole connection (RFC 9113, 6.9); a DATA
frame may take no more than the smaller of the two, nor more than the peer's
SETTINGS_MAX_FRAME_SIZE.  What does not fit waits in the stream's outbox; the stream is
*blocked* until a WINDOW_UPDATE (or a SETTINGS change of the initial window) lets it go on,
and its app waits in ``drain()`` meanwhile (stream.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

ALL_SENT: Final = -1

if TYPE_CHECKING:
    from squall.server.http2.core import H2Core
    from squall.server.http2.stream import H2Stream


def send_window(h2: H2Core, stream: H2Stream) -> int:
    """Bytes ``stream`` may send now: the smaller of its window and the connection's."""
    return h2.local_flow_control_window(stream.stream_id)


def send_outbox(h2: H2Core, stream: H2Stream) -> int:
    """Frame as much of the outbox as the windows allow: the bytes framed, or ALL_SENT once
    the outbox is empty.

    The frames are only queued in the codec (its ``data_to_send``): the caller writes them.
    END_STREAM rides on the last DATA frame, or on an empty one.
    """
    sent = 0
    outbox = stream.outbox
    stream_id = stream.stream_id
    max_frame = h2.max_outbound_frame_size
    while outbox:
        window = send_window(h2, stream)
        if window <= 0:
            return sent
        part = outbox[0]
        size = min(len(part), window, max_frame)
        if size < len(part):
            outbox[0] = part[size:]
            part = part[:size]
        else:
            del outbox[0]
        sent += size
        last = stream.end_queued and not outbox and stream.trailers is None
        h2.send_data(stream_id, part, last)
        if last:
            stream.end_queued = False
            stream.end_sent = True
    if stream.end_queued:
        stream.end_queued = False
        stream.end_sent = True
        if stream.trailers is not None:  # the trailers end the stream (trailers.py)
            h2.send_headers(stream_id, stream.trailers, True)
        else:
            h2.end_stream(stream_id)
    return ALL_SENT
