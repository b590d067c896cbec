"""``python -m bench.form_parsers`` shortened: python-multipart (the parser squall uses) reads
a 1 MiB file part and 50 small fields whole, and the figures are printed."""

from __future__ import annotations

import pytest

from bench.form_parsers import main


def test_the_parsers_are_measured_on_whole_forms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--size", "1", "--fields", "50", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("python-multipart: file part ")
    assert lines[0].endswith(" us per small field")
    assert lines[1].startswith("streaming-form-data: ")
