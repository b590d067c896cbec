"""bench.apps.squall_app's app with one middleware added, chosen by $SQUALL_BENCH_MIDDLEWARE
(for callgrind: instructions per request the middleware costs on a request it does not act
on; micro_server's requests carry ``Host: 127.0.0.1:8000`` and no ``Origin``, ``Cookie`` nor
``Accept-Encoding``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from bench.apps.squall_app import app
from squall import Request, Response
from squall.middleware import (
    CallNext,
    CompressionMiddleware,
    CORSMiddleware,
    GZipMiddleware,
    RequestIdMiddleware,
    SessionMiddleware,
    SquallMiddleware,
    TrustedHostMiddleware,
)
from squall.middleware.hooks import Hooks
from squall.native import NativeRequest
from squall.outcome import Outcome


class PassThrough(SquallMiddleware):
    """Does nothing: the cost of the framework chain itself."""

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        return await call_next(request)


class PassThroughHooks(PassThrough):
    """Does nothing, with a hook form that says so (no slot): what the App pays for it."""

    def hooks(self) -> Hooks:
        return Hooks()


class TrivialHooks(PassThrough):
    """A ``before`` and an ``after`` that do nothing, ungated: the price of two calls."""

    def hooks(self) -> Hooks:
        return Hooks(before=self.let_through, after=self.leave_as_is)

    def let_through(self, native: NativeRequest) -> Outcome | None:
        return None

    def leave_as_is(self, native: NativeRequest, request: Request | None, out: Outcome) -> Outcome:
        return out


CHOICES: dict[str, Callable[[], Any]] = {
    "none": lambda: None,
    "pass-through": lambda: app.add_middleware(PassThrough),
    "pass-through-hooks": lambda: app.add_middleware(PassThroughHooks),
    "trivial-hooks": lambda: app.add_middleware(TrivialHooks),
    "cors": lambda: app.add_middleware(CORSMiddleware, allow_origins=["https://site.example"]),
    "trustedhost": lambda: app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1"]),
    "session": lambda: app.add_middleware(SessionMiddleware, secret_key="bench"),
    "requestid": lambda: app.add_middleware(RequestIdMiddleware),  # acts on every request
    "compression": lambda: app.add_middleware(CompressionMiddleware),
    "gzip": lambda: app.add_middleware(GZipMiddleware),
}

CHOICES[os.environ.get("SQUALL_BENCH_MIDDLEWARE", "none")]()
