"""What every security scheme shares: how it documents itself and how it refuses a request.

A scheme is an object used as a dependency (``Depends(scheme)``, ``Security(scheme,
scopes=[...])``); calling it reads the credentials from the request.  The OpenAPI document
recognises one by two attributes: ``scheme_name`` (its key under
``components.securitySchemes``; the class name unless given) and ``security_scheme`` (the
OpenAPI 3.1 Security Scheme Object).  With ``auto_error=True`` (the default) missing or
malformed credentials answer 401 ``{"detail": "Not authenticated"}`` with the scheme's
``WWW-Authenticate`` challenge; with ``auto_error=False`` the dependency gives None instead,
so an endpoint can accept several schemes or none.
"""

from __future__ import annotations

from typing import Any

from squall.exceptions import HTTPException
from squall.requests import Request

NOT_AUTHENTICATED = "Not authenticated"


def scheme_object(kind: str, description: str | None, **fields: Any) -> dict[str, Any]:
    """An OpenAPI Security Scheme Object of type ``kind``; fields given None are left out."""
    found = {"type": kind, **{name: value for name, value in fields.items() if value is not None}}
    if description is not None:
        found["description"] = description
    return found


class SecurityBase:
    """A security scheme: the two attributes the OpenAPI document reads, and the 401."""

    def __init__(
        self,
        security_scheme: dict[str, Any],
        *,
        scheme_name: str | None,
        auto_error: bool,
        challenge: str,
    ) -> None:
        self.security_scheme = security_scheme
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error
        self.challenge = challenge  # the WWW-Authenticate value of a 401

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scheme_name={self.scheme_name!r})"

    def make_not_authenticated_error(self) -> HTTPException:
        """The 401 this scheme answers when the credentials are missing or malformed
        (FastAPI's name: override it to answer otherwise, e.g. the 403 of old releases)."""
        return HTTPException(401, NOT_AUTHENTICATED, headers={"WWW-Authenticate": self.challenge})

    def refuse(self) -> None:
        """No usable credentials: raise the 401 when ``auto_error`` is on (else the caller
        gives None)."""
        if self.auto_error:
            raise self.make_not_authenticated_error()

    def whole_authorization(self, request: Request) -> str | None:
        """The Authorization header as sent (OAuth2 and OpenID Connect hand it on whole), or
        the refusal when there is none."""
        authorization: str | None = request.headers.get("authorization")
        if not authorization:
            self.refuse()
            return None
        return authorization
