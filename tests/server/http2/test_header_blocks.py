"""Header blocks an attacker shapes, by a raw client on a real socket: the CONTINUATION flood
(CVE-2024-27316), the HPACK bomb, a table size update past what the server announced, and
request trailers."""

from __future__ import annotations

import logging

from tests.server.http2 import require_h2

require_h2()

from h2.errors import ErrorCodes  # noqa: E402
from hyperframe.frame import Frame  # noqa: E402

from squall.server.http2.defences import MAX_BLOCK_FRAMES, header_block_limit  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.frames import (  # noqa: E402
    continuation,
    headers_frame,
    next_stream,
    request_block,
    send_frames,
)
from tests.server.http2.h2client import RawH2, StreamLog  # noqa: E402
from tests.server.serving import captured_errors, serve  # noqa: E402

LIST_LIMIT = 16384  # --h2-max-header-list-size's default


def expect_goaway(client: RawH2, error_code: int) -> None:
    client.read(lambda: client.closed)
    assert client.goaway is not None, "the server closed without GOAWAY"
    assert client.goaway.error_code == error_code
    client.close()


def test_continuation_frames_past_the_block_limit_get_enhance_your_calm() -> None:
    # With 1 MB frames allowed, h2 alone would hold 64 of them (64 MB) for one block; here a
    # block stops at twice the header list limit (32 kB), whatever the frame size.
    with (
        captured_errors(logging.WARNING) as errors,
        serve(make_app(Seen()), h2_max_frame_size=1024 * 1024) as running,
    ):
        client = RawH2(running)
        stream = next_stream(client)
        block = request_block(client, extra=[(b"x-pad", b"a" * 100)])
        frames: list[Frame] = [headers_frame(stream, block, end_headers=False)]
        frames.append(continuation(stream, b"\0" * (header_block_limit(LIST_LIMIT) + 1)))
        send_frames(client, frames)
        expect_goaway(client, ErrorCodes.ENHANCE_YOUR_CALM)
    assert "header block past" in errors.messages()


def test_many_small_continuation_frames_get_enhance_your_calm() -> None:
    with serve(make_app(Seen())) as running:
        client = RawH2(running)
        stream = next_stream(client)
        frames: list[Frame] = [headers_frame(stream, request_block(client), end_headers=False)]
        frames += [continuation(stream, b"") for _ in range(MAX_BLOCK_FRAMES + 1)]
        send_frames(client, frames)
        expect_goaway(client, ErrorCodes.ENHANCE_YOUR_CALM)


def test_a_block_split_over_continuation_frames_within_the_limits_is_served() -> None:
    with serve(make_app(Seen())) as running:
        client = RawH2(running)
        stream = client.h2.get_next_available_stream_id()
        client.streams[stream] = StreamLog()
        # Through the client's h2, so that it knows the stream; split by hand afterwards.
        client.h2.send_headers(
            stream,
            [
                (b":method", b"GET"),
                (b":scheme", b"http"),
                (b":authority", client.authority),
                (b":path", b"/split"),
                (b"x-pad", b"b" * 6000),
            ],
            end_stream=True,
        )
        sent = client.h2.data_to_send()
        whole = headers_from(sent)
        parts = [whole[i : i + 1000] for i in range(0, len(whole), 1000)]
        assert MAX_BLOCK_FRAMES >= len(parts) > 2
        assert len(whole) < header_block_limit(LIST_LIMIT)
        frames: list[Frame] = [headers_frame(stream, parts[0], end_headers=False)]
        frames += [continuation(stream, p, p is parts[-1]) for p in parts[1:]]
        send_frames(client, frames)
        client.read(lambda: client.done(stream))
        assert client.streams[stream].status == 200
        assert bytes(client.streams[stream].data) == b"GET /split  2"
        client.close()


def test_an_hpack_bomb_gets_431_and_the_connection_goes_on() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        client = RawH2(running)
        # One 4000-byte literal into the dynamic table, then 3999 one-byte references to it:
        # about 8 kB on the wire, 16 MB decoded.
        bomb = [(b"x-bomb", b"a" * 4000)] * 4000
        stream = client.request("/bomb", extra=bomb)
        client.read(lambda: client.done(stream))
        assert client.streams[stream].status == 431
        assert client.goaway is None
        # The table entry the bomb made is still in step with the client's: referenced again.
        after = client.request("/after", extra=bomb[:3])
        client.read(lambda: client.done(after))
        assert client.streams[after].status == 200
        assert [scope["path"] for scope in seen.scopes] == ["/after"]  # no app call for 431
        assert seen.scopes[0]["headers"].count((b"x-bomb", b"a" * 4000)) == 3
        client.close()


def test_a_header_list_just_within_the_limit_is_served() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        client = RawH2(running)
        pad = LIST_LIMIT - 400  # the pseudo-headers and their 32-byte overheads fit beside it
        stream = client.request("/near", extra=[(b"x-pad", b"c" * pad)])
        client.read(lambda: client.done(stream))
        assert client.streams[stream].status == 200
        client.close()


def test_a_table_size_update_past_the_announced_size_is_a_compression_error() -> None:
    with serve(make_app(Seen())) as running:
        client = RawH2(running)
        stream = next_stream(client)
        # A dynamic table size update to 8192 (3F E1 3F); the server announced 4096.
        send_frames(client, [headers_frame(stream, b"\x3f\xe1\x3f" + request_block(client))])
        expect_goaway(client, ErrorCodes.COMPRESSION_ERROR)


def test_request_trailers_are_accepted_and_not_shown_to_the_app() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        client = RawH2(running)
        stream = client.request("/echo", method="POST", body=b"hello", end=False)
        client.h2.send_headers(stream, [(b"x-checksum", b"abc")], end_stream=True)
        client.flush()
        client.read(lambda: client.done(stream))
        assert client.streams[stream].status == 200
        assert bytes(client.streams[stream].data).startswith(b"5 ")
        assert (b"x-checksum", b"abc") not in seen.scopes[0]["headers"]
        client.close()


def headers_from(sent: bytes) -> bytes:
    """The header block of the single HEADERS frame in ``sent``."""
    length = int.from_bytes(sent[:3], "big")
    assert sent[3] == 0x1 and len(sent) == 9 + length
    return sent[9:]
