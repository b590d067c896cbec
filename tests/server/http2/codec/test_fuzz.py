"""A short fuzz of the codec's readers (hypothesis, bounded): random frames after a valid
greeting raise nothing but ConnectionError_, and what the codec answers parses."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import contextlib  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from squall.server.http2.errors import ConnectionError_  # noqa: E402
from tests.server.http2.codec.pair import block, frames_of, greeted_server, raw  # noqa: E402

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID_BLOCK = block([(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/")])
payloads = st.one_of(st.binary(max_size=40), st.just(VALID_BLOCK), st.just(b"\0\0\0\x01"))
frames = st.builds(
    raw,
    st.integers(min_value=0, max_value=10),  # the ten types and an unknown one
    st.integers(min_value=0, max_value=255),
    st.sampled_from([0, 1, 2, 3, 5, 2**31 - 1]),
    payloads,
)


@FUZZ
@given(st.lists(frames, max_size=8), st.integers(min_value=1, max_value=20))
def test_random_frames(sequence: list[bytes], cut: int) -> None:
    server = greeted_server()
    data = b"".join(sequence)
    try:
        for start in range(0, len(data), cut):  # in pieces: frames split across reads
            server.receive_data(data[start : start + cut])
    except ConnectionError_:
        pass
    frames_of(server.data_to_send())


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    server = greeted_server()
    with contextlib.suppress(ConnectionError_):
        server.receive_data(data)
    frames_of(server.data_to_send())
