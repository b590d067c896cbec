"""``python -m bench.httparena run``'s parts: the wrk scripts send HttpArena's requests, h2load's
report is read as HttpArena reads it, and the table compares the two entries.

The scripts run in the real wrk for one second each against ``wrong_server.py`` (answering
right), which records every request it reads.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from collections.abc import Iterator

import pytest

from bench import wrk
from bench.httparena.load_profiles import PROFILES, UPLOAD_SIZES
from bench.httparena.run import Measurement, h2load_numbers, run_wrk
from bench.httparena.run_report import markdown
from bench.report import machine
from tests.deploy.httparena.wrong_server import Request, WrongServer, wrong_server


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WrongServer]:
    """A server per test: a request of the previous test's wrk run can still be arriving."""
    if shutil.which("wrk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is missing: .ci/run installs it")
        pytest.skip("wrk is not installed")
    with wrong_server(tmp_path_factory.mktemp("static")) as running:
        yield running


def sent(server: WrongServer, profile: str) -> list[Request]:
    server.reset()
    url = f"http://127.0.0.1:{server.port}"
    every_cpu = ",".join(str(cpu) for cpu in sorted(os.sched_getaffinity(0)))
    counted = run_wrk(url, PROFILES[profile], 1, 4, every_cpu)
    assert counted.answers > 0
    return list(server.seen)


def test_baseline_rotates_get_post_and_chunked_post(server: WrongServer) -> None:
    requests = sent(server, "baseline")
    assert {r.method for r in requests} == {"GET", "POST"}
    chunked = [r for r in requests if r.headers.get("transfer-encoding") == "chunked"]
    with_length = [r for r in requests if r.headers.get("content-length") == "2"]
    assert chunked and with_length and all(r.body == b"20" for r in chunked + with_length)


def test_limited_conn_closes_every_tenth_request(server: WrongServer) -> None:
    requests = sent(server, "limited-conn")
    closing = [r for r in requests if r.headers.get("connection") == "close"]
    assert closing and len(closing) <= len(requests) // 5


def test_crud_mix_is_zero_padded_like_gcannon(server: WrongServer) -> None:
    requests = sent(server, "crud")
    paths = [(r.method, r.path) for r in requests]
    assert all(re.fullmatch(r"/crud/items(/\d{5})?", path) for _, path in paths)
    assert {"GET", "PUT", "POST"} == {method for method, _ in paths}
    gets = sum(1 for method, path in paths if method == "GET" and path != "/crud/items")
    assert gets > 0.6 * len(paths)  # 15 of every 20
    pages = [
        r.query.get("page", "") for r in requests if r.path == "/crud/items" and r.method == "GET"
    ]
    assert all(re.fullmatch(r"\d\d", page) for page in pages)
    posted = [r.body for r in requests if r.method == "POST"]
    assert posted and posted[0].startswith(b'{"id":100001,')


def test_upload_sends_both_sizes(server: WrongServer) -> None:
    requests = sent(server, "upload")
    assert {int(r.headers["content-length"]) for r in requests} == set(UPLOAD_SIZES)
    whole = {len(r.body) for r in requests if len(r.body) == int(r.headers["content-length"])}
    assert whole == set(UPLOAD_SIZES)  # (wrk may stop in the middle of the last body)


def test_json_comp_asks_for_gzip_or_br(server: WrongServer) -> None:
    requests = sent(server, "json-comp")
    assert {r.path for r in requests} == {"/json/25", "/json/40", "/json/50"}
    assert all(r.headers.get("accept-encoding") == "gzip, br" for r in requests)


H2LOAD = """finished in 1.00s, 4434.00 req/s, 95.82KB/s
requests: 4434 total, 4474 started, 4434 done, 4434 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 4400 2xx, 0 3xx, 34 4xx, 0 5xx
"""


def test_h2load_counts_2xx_over_finished_in() -> None:
    counted = h2load_numbers(H2LOAD)
    assert (counted.answers, counted.seconds) == (4400, 1.0)
    assert h2load_numbers(H2LOAD.replace("1.00s", "500.5ms")).seconds == pytest.approx(0.5005)
    with pytest.raises(wrk.WrkError):
        h2load_numbers("connect: Connection refused")


def test_table_puts_the_entries_side_by_side() -> None:
    results = [
        Measurement("json-comp", "squall", 128, requests_per_second=9000, p99_us=2500,
                    cpu_us_per_request=50, bytes_per_response=1500),
        Measurement("json-comp", "fastapi", 128, requests_per_second=1000, p99_us=90000,
                    cpu_us_per_request=700, bytes_per_response=1700),
        Measurement("crud", "squall", 128, status="failed: no answers counted"),
        Measurement("crud", "fastapi", 0, status="not subscribed"),
    ]  # fmt: skip
    arguments = argparse.Namespace(seconds=5.0, server_cpu="0", client_cpu="1")
    text = markdown(results, arguments, machine())
    assert "| json-comp | 128 | 9,000 | 2.5 ms | 50.0 | 1,000 | 90.0 ms | 700.0 | 9.0x |" in text
    assert "| crud | 128 | failed: no answers counted |" in text and "not subscribed" in text
    assert "- json-comp, squall: **1,500** bytes per response" in text
