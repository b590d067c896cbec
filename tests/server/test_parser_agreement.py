"""Regressions from differential fuzzing (test_parser_differential.py), each a named case.

Every case is a byte stream that some way of reading it (whole with the plain-head scan, whole
with llhttp alone, or cut into reads) once answered differently from the others.  Each must now
end the same every way: ``check_agreement`` runs it whole both ways and at the given cuts.
"""

from __future__ import annotations

import pytest

from tests.server.parser_harness import run
from tests.server.test_parser_differential import check_agreement

LIMITS = 8192 + 16384  # Config's max_request_line_size + max_header_size


def big_head(target_length: int, fields: int, value_length: int) -> bytes:
    """A GET whose head is big in raw bytes but within every limit Squall counts."""
    lines = b"".join(b"X%d: %s\r\n" % (i, b"v" * value_length) for i in range(fields))
    return b"GET /" + b"a" * (target_length - 1) + b" HTTP/1.1\r\nHost: x\r\n" + lines + b"\r\n"


def test_a_head_within_each_limit_but_over_their_sum_is_refused_however_it_is_read() -> None:
    # Found by fuzzing: the target (8000 bytes) and the field lines (99 fields, 16,338 bytes of
    # names and values) are each within their limit, but the head, with its colons and line
    # ends, passes their sum.  Read whole, it was served; read in pieces, the raw-byte guard on
    # unfinished heads refused it with 431.  The stricter answer wins: 431 both ways.
    data = big_head(8000, 99, 162)
    assert len(data) > LIMITS
    cuts = [[len(data) - 10], list(range(512, len(data), 512))]  # unfinished past LIMITS
    assert check_agreement(data, cuts).statuses == (431,)


def test_a_head_just_within_the_limits_sum_is_served_however_it_is_read() -> None:
    data = big_head(8000, 98, 160)
    assert len(data) < LIMITS
    cuts = [[len(data) - 10], list(range(512, len(data), 512))]
    assert check_agreement(data, cuts).statuses == (200,)


def test_a_head_over_the_field_limit_is_refused_however_it_is_read() -> None:
    data = big_head(100, 99, 170)  # 99 * 174 names and values: over 16,384
    cuts = [[len(data) - 10], list(range(512, len(data), 512))]
    assert check_agreement(data, cuts).statuses == (431,)


def test_endless_whitespace_in_an_unfinished_head_is_cut_off() -> None:
    data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad:" + b" " * (LIMITS + 1)
    outcome = run(data, list(range(4096, len(data), 4096)))
    assert outcome.statuses == (431,)
    assert outcome.closed


def test_expect_100_continue_is_interim_whether_or_not_the_body_came_along() -> None:
    # Not a disagreement: when the body arrives with the head no 100 is sent (the client is
    # not waiting); cut before the body, it is.  The harness leaves 100s out of the statuses.
    data = b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
    assert check_agreement(data, [[cut] for cut in range(1, len(data))]).statuses == (200,)


@pytest.mark.xfail(
    strict=True, reason="open: llhttp skips OWS, so a head read whole has no raw size"
)
def test_whitespace_padding_past_the_limits_sum_is_refused_however_it_is_read() -> None:
    # Known and left open: a field value's leading whitespace (OWS) is skipped by llhttp and
    # never reaches a callback, so a head read whole is measured by what it holds, while an
    # unfinished one is bounded by its raw bytes (_parse).  Padded past the limits' sum with
    # whitespace, the head is served whole and refused with 431 in pieces.  A fix needs the
    # head's end offset in the read (httptools does not give it) or a scan for it.
    data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad:" + b" " * 25000 + b"v\r\n\r\n"
    check_agreement(data, [[100, 25000]])
