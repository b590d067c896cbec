"""The --h2 profile's machinery against real servers, curl and h2load, for a fraction of a
second: it measures both requests over h2c and TLS, and fails an entry that answers wrongly,
fails under load or does not speak HTTP/2. No speed is asserted: speed is measured by
``python -m bench --h2``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench import h2_bench, h2_load, h2_report
from bench.certificates import make_certificates
from bench.entries import SQUALL_FLAGS, Entry
from bench.h2_entries import H2_ENTRIES, H2C, TLS, H2Entry
from bench.h2_report import H1Figure
from bench.h2_runner import REQUESTS, H2Result, H2Run, measure_h2
from bench.runner import Options
from tests.bench.machine_info import machine_info
from tests.server.test_tls import require

pytest.importorskip("h2", reason="Squall's HTTP/2 needs the h2 library (squall[http2])")
pytest.importorskip("trustme", reason="the TLS certificates are trustme's")

GET, POST = (request.label for request in REQUESTS)
INFO = machine_info("h2")


@pytest.fixture(autouse=True)
def fewer_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """10 streams per connection, not 100: the first answers come in well under a round."""
    monkeypatch.setattr(h2_load, "STREAMS", 10)


def quick(tmp_path: Path) -> Options:
    require("h2load"), require("curl")
    options = Options(
        python=sys.executable, seconds=0.3, warmup=0, rounds=1, server_cpu=None, client_cpu=None
    )
    options.files = make_certificates(tmp_path)
    return options


def _entry(name: str, transport: str) -> H2Entry:
    return next(e for e in H2_ENTRIES if e.name == name and e.transport == transport)


def _squall_serving(app: str, transport: str, *flags: str) -> H2Entry:
    argv = ("-m", "squall", app, "--port", "{port}", *SQUALL_FLAGS, *flags)
    if transport == TLS:
        argv += ("--ssl-certfile", "{certfile}", "--ssl-keyfile", "{keyfile}")
    return H2Entry(f"test {app}", transport, Entry(app, argv, ("squall",), squall=True), True)


@pytest.mark.parametrize(
    ("app", "transport", "flags", "wrong"),
    [
        ("tests.bench.h2_wrong_apps:wrong_sum", H2C, (), f"failed: {GET}: status 200, body b'4'"),
        (
            "tests.bench.h2_wrong_apps:fails_under_load",
            H2C,
            (),
            f"failed: {GET}: ",  # then h2load's counts: "N done, M 2xx, ..."
        ),
        ("bench.apps.asgi_raw:app", TLS, ("--http", "h1"), "failed: answered over HTTP/1.1"),
    ],
    ids=["wrong-body", "500s-under-load", "http1-only"],
)
def test_an_entry_answering_wrongly_fails(
    tmp_path: Path, app: str, transport: str, flags: tuple[str, ...], wrong: str
) -> None:
    result = measure_h2(_squall_serving(app, transport, *flags), quick(tmp_path), tmp_path)
    assert result.status.startswith(wrong), result.status
    assert not result.runs
    if "under-load" in app:
        assert " 2xx" in result.status


def test_uvicorn_is_shown_as_not_applicable(tmp_path: Path) -> None:
    result = measure_h2(_entry("uvicorn + raw ASGI", H2C), quick(tmp_path), tmp_path)
    assert result.status.startswith("n/a: uvicorn has no HTTP/2"), result.status


def test_h2load_output_with_a_non_2xx_answer_is_an_error() -> None:
    output = (
        "finished in 1.00s, 900.00 req/s, 1KB/s\n"
        "requests: 900 total, 1000 started, 900 done, 900 succeeded, 0 failed, 0 errored, 0 "
        "timeout\nstatus codes: 899 2xx, 0 3xx, 0 4xx, 1 5xx\n"
    )
    log = "1\t200\t150\n2\t200\t250\n3\t500\t900\n"
    with pytest.raises(h2_load.H2LoadError, match="900 done, 899 2xx, 1 not 2xx"):
        h2_load.parse(output, log)
    good = h2_load.parse(output.replace("899 2xx", "900 2xx").replace("1 5xx", "0 5xx"), log)
    assert (good.done, good.requests_per_second, good.p50_us, good.p99_us) == (900, 900, 250, 900)


def _results() -> list[H2Result]:
    def runs(rate: float) -> list[H2Run]:
        return [H2Run(GET, rate, 1500.0, 9000.0, 40.0, [rate]), H2Run(POST, rate / 2, 0, 0, 0)]

    return [
        H2Result("squall + raw ASGI", H2C, True, "ok", runs(30_000.0)),
        H2Result("hypercorn + raw ASGI", H2C, False, "ok", runs(6_000.0)),
        H2Result("squall framework (native path)", H2C, True, "ok", runs(35_000.0)),
        H2Result("granian + raw ASGI", TLS, False, "failed: exited with 1:\nboom | x"),
    ]


def test_the_table_has_a_row_per_entry_and_transport_and_the_goals() -> None:
    figures = [H1Figure(GET, "ok", 70_000.0), H1Figure(POST, "failed: wrk exited with 1")]
    options = Options(python="python")
    table = h2_report.markdown(_results(), figures, options, INFO).splitlines()
    assert table[0].startswith(f"| entry | transport | {GET} req/s | p50 | p99 | CPU µs/req |")
    assert table[2] == (
        "| squall + raw ASGI | h2c | 30,000 | 1.5 ms | 9.0 ms | 40.0 | 15,000 | 0.0 ms |"
        " 0.0 ms | 0.0 |"
    )
    assert table[5].startswith("| granian + raw ASGI | TLS | failed: exited with 1: boom / x |")
    assert table[5].count("|") == table[2].count("|")
    text = "\n".join(table)
    assert f"vs hypercorn, raw ASGI app, h2c, {GET}: **5.00x** (target >= 3x)" in text
    assert f"HTTP/1.1 pipelined figure (70,000 req/s), {GET}: **0.50x** (target >= 0.7x)" in text
    assert f"HTTP/1.1 pipelined, {POST}: failed: wrk exited with 1" in text
    assert "Test CPU" in text


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    assert h2_report.chart(tmp_path / "c.png", _results(), INFO) is None
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_entry_over_tls_and_the_http11_figures_are_measured(tmp_path: Path) -> None:
    require("wrk")
    options = quick(tmp_path)
    args = argparse.Namespace(squall_only=False, only=["squall + raw ASGI (TLS)"])
    results = h2_bench.run_h2(h2_bench.chosen(args), options, tmp_path)
    figures = h2_bench.run_h1(options)
    h2_bench.write_outputs(tmp_path, "s", results, figures, options)
    data = json.loads((tmp_path / "s.json").read_text())
    entries = [(r["name"], r["transport"], r["status"]) for r in data["results"]]
    assert entries == [("squall + raw ASGI", TLS, "ok")]
    runs = data["results"][0]["runs"]
    assert [run["request"] for run in runs] == [GET, POST]
    for run in runs:
        assert run["requests_per_second"] > 0 and len(run["rounds"]) == 1
        assert 0 < run["p50_us"] <= run["p99_us"]
        assert run["cpu_us_per_request"] > 0
    assert data["results"][0]["peak_rss_mib"] > 0
    h1 = data["http11_pipelined"]
    assert [(f["request"], f["status"]) for f in h1] == [(GET, "ok"), (POST, "ok")]
    assert all(f["requests_per_second"] > 0 for f in h1)
    assert data["machine"]["profile"] == "h2"
    assert (tmp_path / "s.md").read_text().startswith("| entry | transport |")


def test_python_m_bench_h2_runs_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flag's wiring (the entries are measured above): ``--h2`` runs h2_bench.main with
    the bench lock held, and names the outputs latest-h2."""
    calls: list[tuple[argparse.Namespace, Options]] = []
    locked: list[bool] = []

    def fake_main(args: argparse.Namespace, options: Options) -> int:
        calls.append((args, options))
        return 0

    @contextlib.contextmanager
    def fake_lock() -> Iterator[None]:
        locked.append(True)
        yield

    monkeypatch.setattr(bench_main.h2_bench, "main", fake_main)
    monkeypatch.setattr(bench_main, "bench_lock", fake_lock)
    assert bench_main.main(["--h2", "--smoke"]) == 0
    [(args, options)] = calls
    assert (args.profile, args.name, args.squall_only, locked) == ("h2", "latest-h2", True, [True])
    assert (options.seconds, options.rounds, options.connections) == (1.0, 1, 10)
