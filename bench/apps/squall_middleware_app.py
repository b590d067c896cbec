"""bench.apps.squall_app's app with one middleware added, chosen by $SQUALL_BENCH_MIDDLEWARE
(for callgrind: instructions per request the middleware costs on a request it does not act
on; micro_server's requests carry ``Host: 127.0.0.1:8000`` and no ``Accept-Encoding``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from bench.apps.squall_app import app
from squall import Request, Response
from squall.middleware import (
    CallNext,
    CompressionMiddleware,
    GZipMiddleware,
    SquallMiddleware,
)


class PassThrough(SquallMiddleware):
    """Does nothing: the cost of the framework chain itself."""

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        return await call_next(request)


CHOICES: dict[str, Callable[[], Any]] = {
    "none": lambda: None,
    "pass-through": lambda: app.add_middleware(PassThrough),
    "compression": lambda: app.add_middleware(CompressionMiddleware),
    "gzip": lambda: app.add_middleware(GZipMiddleware),
}

CHOICES[os.environ.get("SQUALL_BENCH_MIDDLEWARE", "none")]()
