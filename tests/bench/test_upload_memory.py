"""``python -m bench.upload_memory`` bounded to 64 MiB: a real squall subprocess receives one
multipart upload as an UploadFile; its resident memory must grow by far less than the upload
(read whole, the same upload grew the server by ~200 MiB)."""

from __future__ import annotations

import pytest

from bench.upload_memory import MIB, main, measure

SIZE = 64 * MIB


def test_a_large_upload_keeps_the_servers_memory_flat() -> None:
    result = measure(SIZE)
    assert result.answered, result.summary()
    assert result.growth_kib * 1024 < SIZE / 8, result.summary()


def test_the_script_prints_the_peak_and_the_growth(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--size", "8"]) == 0
    out = capsys.readouterr().out
    assert "upload of 8 MiB" in out
    assert "answered right" in out
    assert "server RSS: baseline" in out and "growth" in out
