"""Differential fuzzing: the plain-head scan and llhttp must make the same of any bytes.

Hypothesis generates request streams (tests/server/request_strategies.py), valid and subtly
invalid, and each is fed to a real ``HttpConnection`` (tests/server/parser_harness.py):

* whole, with llhttp alone reading every head: the reference;
* whole, with the plain-head scan on (as served);
* cut at hypothesis-chosen points, and at every point when the stream is short (one request:
  up to 600 bytes, then every few bytes), and byte by byte (up to 400 bytes): a head cut in two
  is llhttp's, so cuts mix the two parsers within one stream;

and every run must end the same: the same requests reaching the app (method, target, version,
headers, whole body, how the body ended), the same statuses written back, and the connection
open or closed alike.  Framing is covered by the pipelined second requests: a disagreement
about where a request ends shows up as a different next request.

Example counts: ``SQUALL_FUZZ_EXAMPLES`` (default 200 per test, about 20 s for the file); set
it to e.g. 20000 for a long hunt.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.parser_harness import Outcome, run
from tests.server.request_strategies import requests, streams

EXAMPLES = int(os.environ.get("SQUALL_FUZZ_EXAMPLES", "200") or "200")
ALL_CUTS_UP_TO = 48  # streams this short are cut at every position
BYTE_BY_BYTE_UP_TO = 400
EVERY_CUT_UP_TO = 600  # one request is cut at every position up to this size

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis directory in the tree; a failure prints its example
    derandomize=os.environ.get("CI") == "true",  # CI replays the same examples; hunts locally
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _explain(data: bytes, how: str, got: Outcome, want: Outcome) -> str:
    return f"{data!r}\n{how}:\n  got  {got}\n  want {want}"


def check_agreement(data: bytes, cuts: list[list[int]]) -> Outcome:
    """Run ``data`` every way; fail naming the first way that disagrees with llhttp alone."""
    want = run(data, llhttp_only=True)
    ways: list[tuple[str, list[int], bool]] = [("whole, plain scan on", [], False)]
    ways += [(f"cut at {c}", c, False) for c in cuts]
    ways += [(f"cut at {c}, llhttp only", c, True) for c in cuts[:2]]
    if len(data) <= BYTE_BY_BYTE_UP_TO:
        ways.append(("byte by byte", list(range(1, len(data))), False))
    for how, points, llhttp_only in ways:
        got = run(data, points, llhttp_only=llhttp_only)
        assert got == want, _explain(data, how, got, want)
    return want


@fuzz
@given(data=streams(), st_data=st.data())
def test_both_parsers_agree_on_generated_streams(data: bytes, st_data: st.DataObject) -> None:
    if len(data) <= ALL_CUTS_UP_TO:
        cuts = [[cut] for cut in range(1, len(data))]
    else:
        positions = st.integers(1, len(data) - 1)
        cuts = [[st_data.draw(positions)] for _ in range(3)]
        cuts.append(sorted(st_data.draw(st.lists(positions, min_size=2, max_size=6))))
    check_agreement(data, cuts)


@fuzz
@given(data=requests())
def test_both_parsers_agree_at_every_cut_of_one_request(data: bytes) -> None:
    step = 1 + len(data) // EVERY_CUT_UP_TO  # a big head is cut every step bytes instead
    check_agreement(data, [[cut] for cut in range(1, len(data), step)])
