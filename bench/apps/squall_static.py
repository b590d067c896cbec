"""The static profiles on the Squall framework: StaticFiles mounted at /static.

The directory comes from ``BENCH_STATIC_DIR`` (the bench makes the files for the run)."""

from __future__ import annotations

import os

from squall import App
from squall.staticfiles import StaticFiles

DIRECTORY = os.environ.get("BENCH_STATIC_DIR", "static")

app = App()
app.mount("/static", StaticFiles(directory=DIRECTORY, check_dir=False))
