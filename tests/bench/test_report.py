"""The bench's pieces that need no server: wrk output, the answer check, the table, the chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report, wrk
from bench.profiles import PROFILES
from bench.runner import Options, Result, wrong_answer
from tests.bench.machine_info import machine_info

USER = b'{"id":1,"name":"user","email":"user@email.com"}'
INFO = machine_info("post-user")


def test_wrk_output_without_a_report_is_a_wrk_error() -> None:
    with pytest.raises(wrk.WrkError):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")


@pytest.mark.parametrize(
    ("status", "content_type", "body", "wrong"),
    [
        (200, "application/json", USER, None),
        (200, "application/json; charset=utf-8", USER, None),
        (500, "application/json", USER, "status 500"),
        (200, "text/plain", USER, "content-type 'text/plain'"),
        (200, "application/json", b'{"id":2,"name":"user","email":"user@email.com"}', "wrong"),
        (200, "application/json", b"not json", "wrong"),
    ],
)
def test_the_answer_check_wants_200_json_and_the_same_user(
    status: int, content_type: str, body: bytes, wrong: str | None
) -> None:
    found = wrong_answer(PROFILES["post-user"], status, content_type, body)
    if wrong is None:
        assert found is None
    else:
        assert found is not None and found.startswith(wrong)


def test_decay_is_the_change_against_the_row_above() -> None:
    assert report.decay(104_380, None) == "-"
    assert report.decay(46_426, 104_380) == "↓ 55.5%"
    assert report.decay(35_433, 46_426) == "↓ 23.7%"
    assert report.decay(20_000, 10_000) == "↑ 100.0%"


def _results() -> list[Result]:
    return [
        Result("raw", False, "ok", 100_000.0, 80.0, 200.0, 9.0, 26.0, [100_000.0]),
        Result("skipped one", False, "skipped: lihil not installed"),
        Result("squall", True, "ok", 50_000.0, None, None, 18.0, 28.0, [50_000.0]),
    ]


def test_the_table_skips_failures_in_the_decay_and_marks_unknown_latency() -> None:
    table = report.markdown(_results(), Options(python="python"), INFO).splitlines()
    assert table[0] == "| entry | req/s | decay % | p50 | p99 | server CPU µs/req | peak RSS MiB |"
    assert table[2] == "| raw | 100,000 | - | 80 µs | 200 µs | 9.0 | 26.0 |"
    assert table[3] == "| skipped one | skipped: lihil not installed | | | | | |"
    assert table[4] == "| squall | 50,000 | ↓ 50.0% | n/a | n/a | 18.0 | 28.0 |"
    assert any("Test CPU" in line and "Python 3.11.7" in line for line in table)


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from bench.chart import chart

    assert chart(tmp_path / "c.png", _results(), INFO) is None
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
