"""``python -m bench --upload-stream`` end to end, shortened: every Squall entry takes real
100 MiB uploads as UploadFile and answers them right; the table and JSON are written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.__main__ import main
from bench.upload_stream import UPLOAD_ENTRIES


def test_every_squall_entry_answers_the_uploads(tmp_path: Path) -> None:
    argv = ["--upload-stream", "--smoke", "--warmup", "0", "--connections", "1"]
    cpus = os.sched_getaffinity(0)
    assert main([*argv, "--out", str(tmp_path), "--name", "uploads"]) == 0
    assert os.sched_getaffinity(0) == cpus  # the client's pinning is undone
    table = (tmp_path / "uploads.md").read_text()
    results = json.loads((tmp_path / "uploads.json").read_text())["results"]
    squall = [entry.name for entry in UPLOAD_ENTRIES if entry.squall]
    assert [r["name"] for r in results] == squall
    for result in results:
        assert result["status"] == "ok", result
        assert result["uploads"] >= 1
        assert result["megabytes_per_second"] > 0
        assert result["peak_rss_mib"] >= result["baseline_rss_mib"] > 0
        assert f"| {result['name']} |" in table
