"""Several body parameters: each one is a key of one JSON object (FastAPI's rule).

``def f(item: Item, user: User)`` reads ``{"item": {...}, "user": {...}}``.  The body is
parsed once into its keys' undecoded values; each parameter then decodes its own value with
its own type, so a body with several faults answers them all (``["body", "item", "name"]``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from squall.models import body_decoder, body_error

_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])


def body_fields(raw: bytes) -> dict[str, msgspec.Raw]:
    """The body's keys and their values, undecoded; raises ValidationFailed (not an object)
    or MalformedBody (not JSON)."""
    try:
        return _OBJECT.decode(raw)
    except msgspec.DecodeError as exc:
        raise body_error(exc) from None


def field_decoder(annotation: Any, key: str) -> Callable[[Any], Any]:
    """A key's undecoded value -> ``annotation``, its errors located under ``["body", key]``."""
    decode = body_decoder(annotation, ["body", key])

    def decode_field(raw: Any) -> Any:
        return decode(bytes(raw))

    return decode_field
