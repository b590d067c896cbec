"""The --ws-echo profile's machinery against real servers and the real picows client, for a
fraction of a second: it counts echoes, reads memory per idle socket, and flags a server that
echoes wrongly. No speed is asserted: speed is measured by ``python -m bench --ws-echo``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import ws_report
from bench.entries import SQUALL_FLAGS, Entry
from bench.runner import Options
from bench.ws_entries import WS_ENTRIES
from bench.ws_runner import EchoRun, WsResult, WsSettings, measure_ws
from tests.bench.machine_info import machine_info

pytest.importorskip("picows", reason="the load generator is picows (bench/requirements.txt)")

REPO = Path(__file__).resolve().parents[2]
INFO = machine_info("ws-echo")
QUICK = Options(
    python=sys.executable, seconds=0.3, warmup=0, rounds=1, server_cpu=None, client_cpu=None
)
SMALL = WsSettings(connections=8, idle_sockets=20)


def _entry(name: str) -> Entry:
    return next(entry for entry in WS_ENTRIES if entry.name == name)


def _squall_serving(app: str) -> Entry:
    argv = ("-m", "squall", f"tests.bench.ws_wrong_echo:{app}", "--port", "{port}", *SQUALL_FLAGS)
    return Entry(f"wrong {app}", argv, ("squall",), squall=True, profiles=("ws-echo",))


def test_a_squall_entry_is_measured_for_both_shapes_and_idle_memory() -> None:
    result = measure_ws(_entry("squall + raw ASGI"), QUICK, SMALL)
    assert result.status == "ok"
    assert [(run.kind, run.size) for run in result.runs] == [("text", 5), ("binary", 16384)]
    for run in result.runs:
        assert run.messages_per_second > 0
        assert len(run.rounds) == 1
        assert 0 < run.p50_us <= run.p99_us
        assert run.cpu_us_per_message > 0
        assert run.client_cpu_share > 0
    assert result.idle_sockets == 20
    assert result.idle_kib_per_socket is not None
    assert result.peak_rss_mib > 0


@pytest.mark.parametrize(
    ("app", "wrong"),
    [
        ("text_as_bytes", "failed: wrong echo: sent text, echoed BINARY"),
        ("reversed_echo", "failed: wrong echo: text echo differs"),
        ("short_under_load", "failed: wrong echo: sent 5 bytes, echoed 4"),
    ],
)
def test_a_wrong_echo_fails_the_entry(app: str, wrong: str) -> None:
    result = measure_ws(_squall_serving(app), QUICK, WsSettings(connections=4, idle_sockets=0))
    assert result.status.startswith(wrong), result.status
    assert not result.runs


def test_an_entry_that_does_not_start_fails_with_its_reason() -> None:
    broken = Entry("broken", ("-m", "squall", "no.such.module:app", "--port", "{port}"), ())
    result = measure_ws(Entry(broken.name, broken.argv, (), profiles=("ws-echo",)), QUICK, SMALL)
    assert result.status.startswith("failed: exited with"), result.status


def _results() -> list[WsResult]:
    text = EchoRun("text", 5, 50_000.0, 150.0, 900.0, 20.0, 0.95, [50_000.0])
    binary = EchoRun("binary", 16384, 20_000.0, 400.0, 2_000.0, 50.0, 0.5, [20_000.0])
    return [
        WsResult("raw picows server", False, "ok", [text, binary], 100, 4.0, 30.0),
        WsResult("squall framework (native path)", True, "ok", [text, binary], 100, 8.5, 31.0),
        WsResult("uvicorn --ws wsproto + Starlette", False, "failed: exited with 1:\nboom | x"),
    ]


def test_the_table_has_a_row_per_entry_and_the_goals() -> None:
    table = ws_report.markdown(_results(), QUICK, WsSettings(), INFO).splitlines()
    assert table[0].startswith("| entry | 5 B text msg/s | p50 | p99 | CPU µs/msg | 16 KiB binary")
    assert table[2] == (
        "| raw picows server | 50,000 | 150 µs | 900 µs | 20.0 |"
        " 20,000 | 400 µs | 2,000 µs | 50.0 | 4.0 |"
    )
    assert table[4].startswith(
        "| uvicorn --ws wsproto + Starlette | failed: exited with 1: boom / x |"
    )
    assert table[4].count("|") == table[2].count("|")
    text = "\n".join(table)
    assert "vs the raw picows server, 5 B text: **1.00x** (target >= 0.8x)" in text
    assert "squall framework (native path): **8.5 KiB** per idle socket" in text
    assert "the load generator was busy 95%" in text
    assert "Test CPU" in text


def test_the_chart_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    assert ws_report.chart(tmp_path / "c.png", _results(), WsSettings(), INFO) is None
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_python_m_bench_ws_echo_smoke_writes_table_json_and_chart(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "--ws-echo", "--smoke", "--only", "squall + raw"]
    command += ["--ws-idle", "20", "--connections", "8", "--out", str(tmp_path), "--name", "s"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
    data = json.loads((tmp_path / "s.json").read_text())
    assert [r["name"] for r in data["results"]] == ["squall + raw ASGI"]
    assert data["results"][0]["status"] == "ok"
    assert [run["messages_per_second"] > 0 for run in data["results"][0]["runs"]] == [True] * 2
    assert data["settings"]["idle_sockets"] == 20
    assert data["machine"]["profile"] == "ws-echo"
    assert (tmp_path / "s.md").read_text().startswith("| entry | 5 B text msg/s |")
