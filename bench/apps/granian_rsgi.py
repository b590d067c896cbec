"""The seed's procedure as a granian RSGI app (granian's own fast interface)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from bench.apps.share import baseline, endpoint, upload_size, users_list

JSON = [("content-type", "application/json")]


async def app(scope: Any, proto: Any) -> None:
    path = scope.path
    if path == "/user":
        res = endpoint(await proto())
    elif path == "/baseline":
        query = parse_qs(scope.query_string)
        res = baseline(int(query["a"][0]), int(query["b"][0]))
    elif path == "/users":
        res = users_list()
    else:  # /upload
        res = upload_size(len(await proto()))
    proto.response_bytes(200, JSON, res)
