"""The seed's procedure as a granian RSGI app (granian's own fast interface)."""

from __future__ import annotations

from typing import Any

from bench.apps.share import endpoint


async def app(scope: Any, proto: Any) -> None:
    body = await proto()
    proto.response_bytes(200, [("content-type", "application/json")], endpoint(body))
