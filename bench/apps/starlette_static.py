"""The static profiles on Starlette: its StaticFiles mounted at /static.

The directory comes from ``BENCH_STATIC_DIR`` (the bench makes the files for the run)."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

DIRECTORY = os.environ.get("BENCH_STATIC_DIR", "static")

app = Starlette(routes=[Mount("/static", StaticFiles(directory=DIRECTORY, check_dir=False))])
