"""The --json-comp bench profile's plumbing: the wrk script, the answer check (decoded by
magic bytes), bytes per response from wrk's report, and every entry's answer, served for real
(no load: speed is measured by the bench)."""

from __future__ import annotations

import gzip
import sys

import pytest

from bench import report, wrk
from bench.apps.share import items_list
from bench.profiles import PROFILES, decode_content
from bench.runner import Options, Result, check_answer, free_port, running, wrong_answer
from bench.serving_entries import JSON_COMP_ENTRIES

PROFILE = PROFILES["json-comp"]
WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/items
  Latency Distribution
     50%  100.00us
     99%  2.00ms
  12345 requests in 1.00s, 10.75MB read
Requests/sec:  12345.00
"""


def test_the_script_and_the_check_ask_for_gzip_and_br() -> None:
    assert '["Accept-Encoding"] = "gzip, br"' in PROFILE.lua()
    assert PROFILE.request_headers == {"accept-encoding": "gzip, br"}


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_the_check_decodes_each_coding_and_wants_it_encoded(coding: str) -> None:
    body = items_list()
    encoded = {
        "gzip": gzip.compress,
        "br": pytest.importorskip("brotli").compress,
        "zstd": lambda data: pytest.importorskip("zstandard").ZstdCompressor().compress(data),
    }[coding](body)
    assert decode_content(encoded) == body
    assert PROFILE.check(encoded)
    assert not PROFILE.check(body)  # unencoded: the middleware did nothing
    assert wrong_answer(PROFILE, 200, "application/json", gzip.compress(body[:-1])) is not None


def test_bytes_per_response_come_from_wrks_count() -> None:
    parsed = wrk.parse(WRK_OUTPUT)
    assert parsed.bytes_read == pytest.approx(10.75 * 1024 * 1024)
    result = Result("squall", True, "ok", 12345.0, bytes_per_response=913.1)
    assert report.size_lines([result], PROFILE) == ["- squall: **913** bytes per response"]
    assert report.size_lines([result], PROFILES["post-user"]) == []


@pytest.mark.parametrize("entry", JSON_COMP_ENTRIES, ids=lambda entry: entry.name)
def test_every_entry_passes_the_answer_check(entry: object) -> None:
    options = Options(python=sys.executable, server_cpu=None)
    missing = entry.missing(options.python)  # type: ignore[attr-defined]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    port = free_port()
    with running(entry, options, port, PROFILE) as proc:  # type: ignore[arg-type]
        assert check_answer(port, proc, PROFILE) == "ok"
