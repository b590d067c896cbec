"""Reading an ``Authorization`` header: its scheme and what follows it."""

from __future__ import annotations


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """``"Bearer abc"`` -> ``("Bearer", "abc")``: the scheme as sent (compare it without
    case) and the rest without surrounding spaces; ``("", "")`` for no value, the rest
    ``""`` when there is none."""
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()
