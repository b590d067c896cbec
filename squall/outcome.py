"""What handling a request produces before it is sent: status, raw headers and body."""

from __future__ import annotations

from typing import Any

import msgspec

from squall.models import encode_extra
from squall.responses import Body, RawHeaders

Outcome = tuple[int, RawHeaders, Body]
JSON_HEADERS: RawHeaders = [(b"content-type", b"application/json")]
encode_json = msgspec.json.Encoder(enc_hook=encode_extra).encode


def json_outcome(status: int, payload: Any, headers: RawHeaders | None = None) -> Outcome:
    return status, JSON_HEADERS + (headers or []), encode_json(payload)
