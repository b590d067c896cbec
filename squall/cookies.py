"""Cookies: reading the request's ``Cookie`` header, writing ``Set-Cookie`` values.

Reading is tolerant, as browsers are: the header is split on ``;`` and each piece on its
first ``=``, so one malformed cookie costs only itself (the stdlib's strict parser drops
every cookie after a bad one).  Writing goes through the stdlib's ``http.cookies`` so a
value with ``;``, spaces or quotes is quoted, never able to add attributes of its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Literal

SameSite = Literal["lax", "strict", "none"]
_ESCAPE = re.compile(r"\\(?:([0-3][0-7]{2})|(.))")


def _unescape(match: re.Match[str]) -> str:
    octal, char = match.group(1), match.group(2)
    return chr(int(octal, 8)) if octal else char


def unquote_cookie_value(value: str) -> str:
    """A double-quoted value without its quotes and backslash escapes (``\\073`` -> ``;``)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _ESCAPE.sub(_unescape, value[1:-1])
    return value


def parse_cookie_header(header: str) -> dict[str, str]:
    """``"a=1; b=2"`` -> ``{"a": "1", "b": "2"}``; the last of a repeated name wins, a piece
    without ``=`` is a value with an empty name (as browsers send it)."""
    cookies: dict[str, str] = {}
    for piece in header.split(";"):
        name, equals, value = piece.partition("=")
        if not equals:
            name, value = "", name
        name, value = name.strip(), value.strip()
        if name or value:
            cookies[name] = unquote_cookie_value(value)
    return cookies


def set_cookie_value(
    key: str,
    value: str = "",
    *,
    max_age: int | None = None,
    expires: datetime | str | int | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: SameSite | None = "lax",
) -> str:
    """The ``Set-Cookie`` header value for these settings, written by ``http.cookies``."""
    jar: SimpleCookie = SimpleCookie()
    jar[key] = value  # quotes the value when it needs it; rejects an invalid key
    morsel = jar[key]
    if max_age is not None:
        morsel["max-age"] = max_age
    if expires is not None:
        if isinstance(expires, datetime):
            from email.utils import format_datetime  # loads the email package: only when used

            expires = format_datetime(expires, usegmt=True)
        morsel["expires"] = expires
    if path is not None:
        morsel["path"] = path
    if domain is not None:
        morsel["domain"] = domain
    if secure:
        morsel["secure"] = True
    if httponly:
        morsel["httponly"] = True
    if samesite is not None:
        if samesite.lower() not in ("lax", "strict", "none"):
            raise ValueError(f"samesite is 'lax', 'strict' or 'none', not {samesite!r}")
        morsel["samesite"] = samesite.capitalize()
    return morsel.OutputString()
