"""Servers that answer the --h2 profile's requests wrongly (tests only)."""

from __future__ import annotations

import itertools
from typing import Any

from bench.apps.asgi_raw import app as right_app

JSON = [(b"content-type", b"application/json")]


async def wrong_sum(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """GET /baseline?a=1&b=2 answers 4."""
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": JSON})
    await send({"type": "http.response.body", "body": b"4"})


_answered = itertools.count()


async def fails_under_load(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Right for the first requests (the check passes), then every tenth one is a 500."""
    answered = next(_answered)
    if scope["type"] == "http" and answered > 10 and answered % 10 == 0:
        await send({"type": "http.response.start", "status": 500, "headers": JSON})
        await send({"type": "http.response.body", "body": b"{}"})
        return
    await right_app(scope, receive, send)
