"""Regressions from differential fuzzing (test_parser_differential.py), each a named case.

Every case is a byte stream that some way of reading it (whole with the plain-head scan, whole
with llhttp alone, or cut into reads) once answered differently from the others.  Each must now
end the same every way: ``check_agreement`` runs it whole both ways and at the given cuts.
"""

from __future__ import annotations

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


def test_whitespace_padding_past_the_limits_sum_is_refused_however_it_is_read() -> None:
    # llhttp skips a field value's leading whitespace (OWS) without a callback, so the fields
    # of a finished head can hold far fewer bytes than the head itself.  Padded past the
    # limits' sum, the head was served when read whole and refused (431) in pieces.  A big
    # read now finds the head's end itself (connection.py's _parse) and counts raw bytes.
    data = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad:" + b" " * 25000 + b"v\r\n\r\n"
    cuts = [[100, 25000], [len(data) - 2], [len(data) - 3], [30, len(data) - 1]]
    assert check_agreement(data, cuts).statuses == (431,)


def test_whitespace_padding_just_within_the_limits_sum_is_served_however_it_is_read() -> None:
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad:"
    data = head + b" " * (LIMITS - len(head) - 5) + b"v\r\n\r\n"
    assert len(data) == LIMITS
    cuts = [[100, LIMITS - 100], [LIMITS - 2], [LIMITS - 3], [LIMITS - 1]]
    assert check_agreement(data, cuts).statuses == (200,)


def test_empty_lines_before_a_padded_head_count_as_read() -> None:
    # Empty lines before a request line are skipped (RFC 9112 2.2); the head's end is still
    # found after them, and the padding still counts.
    data = b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nX-Pad:" + b" " * 25000 + b"v\r\n\r\n"
    assert run(data, []).statuses == (431,)


def padded_head(raw_size: int) -> bytes:
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad:"
    return head + b" " * (raw_size - len(head) - 5) + b"v\r\n\r\n"


def test_a_head_end_straddling_two_reads_is_measured_to_its_end() -> None:
    # The second read starts inside the first head's empty line and carries a whole second
    # head: the first head's end is found across the reads, not at the second head's end.
    within = padded_head(LIMITS) + padded_head(LIMITS)
    assert run(within, [LIMITS - 2]).statuses == (200, 200)
    over = padded_head(LIMITS + 1) + padded_head(LIMITS)
    assert run(over, [LIMITS - 1]).statuses == (431,)
