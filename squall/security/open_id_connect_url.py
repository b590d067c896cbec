"""OpenID Connect discovery: the scheme documents where the provider's configuration is
(``openIdConnectUrl``) and gives the ``Authorization`` header's whole value (checking the
token is the application's work)."""

from __future__ import annotations

from squall.requests import Request
from squall.security.base import SecurityBase, scheme_object


class OpenIdConnect(SecurityBase):
    """OpenID Connect with the provider's discovery document at ``openIdConnectUrl``."""

    def __init__(
        self,
        *,
        openIdConnectUrl: str,  # camelCase: FastAPI's and OpenAPI's name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme_object("openIdConnect", description, openIdConnectUrl=openIdConnectUrl),
            scheme_name=scheme_name,
            auto_error=auto_error,
            challenge="Bearer",
        )

    async def __call__(self, request: Request) -> str | None:
        return self.whole_authorization(request)
