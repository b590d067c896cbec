"""OAuth2 (RFC 6749): bearer tokens obtained through one of the flows the scheme documents.

``OAuth2PasswordBearer(tokenUrl=...)`` documents the password flow (Swagger UI's
"Authorize" asks for a user name and password and posts them to ``tokenUrl``) and gives
the bearer token of ``Authorization: Bearer <token>``; ``OAuth2AuthorizationCodeBearer``
the same for the authorization code flow; ``OAuth2(flows=...)`` any flows, and gives the
whole ``Authorization`` value.  The scopes an endpoint needs are declared with
``Security(dependency, scopes=[...])`` and read by a dependency taking ``SecurityScopes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from squall.requests import Request
from squall.security.base import SecurityBase, scheme_object
from squall.security.utils import get_authorization_scheme_param


def oauth_flows(flows: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The OpenAPI OAuth Flows Object: each flow's fields, those given None left out."""
    return {
        name: {key: value for key, value in flow.items() if value is not None}
        for name, flow in flows.items()
    }


class OAuth2(SecurityBase):
    """OAuth2 with the ``flows`` given (the OpenAPI OAuth Flows Object: ``{"password":
    {"tokenUrl": ..., "scopes": {...}}, ...}``); gives the ``Authorization`` header's value."""

    def __init__(
        self,
        *,
        flows: Mapping[str, Mapping[str, Any]] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme_object("oauth2", description, flows=oauth_flows(flows or {})),
            scheme_name=scheme_name,
            auto_error=auto_error,
            challenge="Bearer",
        )

    async def __call__(self, request: Request) -> str | None:
        return self.whole_authorization(request)


class OAuth2Bearer(OAuth2):
    """An OAuth2 scheme that gives the token of ``Authorization: Bearer <token>``."""

    async def __call__(self, request: Request) -> str | None:
        scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
        if not token or scheme.lower() != "bearer":
            self.refuse()
            return None
        return token


class OAuth2PasswordBearer(OAuth2Bearer):
    """The password flow: tokens from ``tokenUrl`` (a path of this app, e.g. ``"token"``,
    taking an ``OAuth2PasswordRequestForm``)."""

    def __init__(
        self,
        tokenUrl: str,  # camelCase: FastAPI's and OpenAPI's name
        scheme_name: str | None = None,
        scopes: Mapping[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        flow = {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": dict(scopes or {})}
        super().__init__(
            flows={"password": flow},
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )


class OAuth2AuthorizationCodeBearer(OAuth2Bearer):
    """The authorization code flow: the user signs in at ``authorizationUrl``, the code is
    exchanged for a token at ``tokenUrl``."""

    def __init__(
        self,
        authorizationUrl: str,  # camelCase: FastAPI's and OpenAPI's name
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: Mapping[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow = {
            "authorizationUrl": authorizationUrl,
            "tokenUrl": tokenUrl,
            "refreshUrl": refreshUrl,
            "scopes": dict(scopes or {}),
        }
        super().__init__(
            flows={"authorizationCode": flow},
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )
