"""HTTP authentication schemes read from the ``Authorization`` header (RFC 9110 section 11).

``HTTPBearer`` gives the token (``HTTPAuthorizationCredentials``), ``HTTPBasic`` the
username and password (``HTTPBasicCredentials``, RFC 7617), ``HTTPDigest`` the header's
parameters unchecked (checking a digest is the application's work); ``HTTPBase(scheme=...)``
any other scheme.  See squall.security.base for what they share.
"""

from __future__ import annotations

import base64

import msgspec

from squall.requests import Request
from squall.security.base import SecurityBase, scheme_object
from squall.security.utils import get_authorization_scheme_param


class HTTPAuthorizationCredentials(msgspec.Struct):
    """An ``Authorization`` header split at its first space: ``Bearer abc`` is
    ``scheme="Bearer"`` (as sent) and ``credentials="abc"``."""

    scheme: str
    credentials: str


class HTTPBasicCredentials(msgspec.Struct):
    """The user name and password of HTTP Basic authentication."""

    username: str
    password: str


class HTTPBase(SecurityBase):
    """An ``Authorization: <scheme> <credentials>`` header.  A 401 challenges with the
    scheme's name; ``HTTPBase`` itself takes any scheme in the header (its subclasses
    only their own)."""

    expected = ""  # the scheme the header must use (lower case); "" takes any

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme_object("http", description, scheme=scheme),
            scheme_name=scheme_name,
            auto_error=auto_error,
            challenge=scheme.title(),
        )

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
        if not (scheme and credentials) or (self.expected and scheme.lower() != self.expected):
            self.refuse()
            return None
        return HTTPAuthorizationCredentials(scheme, credentials)


class HTTPBearer(HTTPBase):
    """``Authorization: Bearer <token>``; ``bearerFormat`` (e.g. ``"JWT"``) documents it."""

    expected = "bearer"

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,  # camelCase: FastAPI's and OpenAPI's name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        SecurityBase.__init__(
            self,
            scheme_object("http", description, scheme="bearer", bearerFormat=bearerFormat),
            scheme_name=scheme_name,
            auto_error=auto_error,
            challenge="Bearer",
        )


class HTTPDigest(HTTPBase):
    """``Authorization: Digest <parameters>``, handed over as they are: this documents the
    scheme and refuses other ones; checking the digest is up to a dependency on it."""

    expected = "digest"

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="digest", scheme_name=scheme_name, description=description, auto_error=auto_error
        )


class HTTPBasic(SecurityBase):
    """``Authorization: Basic base64(user:password)``; ``realm`` goes into the 401's
    challenge (``Basic realm="..."``), which makes a browser ask for a password."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme_object("http", description, scheme="basic"),
            scheme_name=scheme_name,
            auto_error=auto_error,
            challenge=f"Basic realm={quoted(realm)}" if realm else "Basic",
        )
        self.realm = realm

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:
        scheme, param = get_authorization_scheme_param(request.headers.get("authorization"))
        if scheme.lower() != "basic":
            self.refuse()
            return None
        try:
            decoded = base64.b64decode(param, validate=True).decode()
        except ValueError:  # not base64 (binascii.Error), or not UTF-8 (UnicodeDecodeError)
            self.refuse()
            return None
        username, colon, password = decoded.partition(":")
        if not colon:
            self.refuse()
            return None
        return HTTPBasicCredentials(username, password)


def quoted(text: str) -> str:
    """``text`` as an HTTP quoted-string (RFC 9110 section 5.6.4)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
