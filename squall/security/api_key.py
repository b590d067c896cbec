"""API keys: a secret sent in a header, a query parameter or a cookie of a given name.

The dependency gives the key (a str) for the application to check.  A missing or empty key
answers 401 with the challenge ``WWW-Authenticate: APIKey`` (there is no standard one; a 401
must carry one), as FastAPI does since 0.122 (before, it answered 403).
"""

from __future__ import annotations

from squall.requests import Request
from squall.security.base import SecurityBase, scheme_object


class APIKeyBase(SecurityBase):
    """An API key named ``name`` found ``location`` ("header", "query" or "cookie")."""

    def __init__(
        self,
        location: str,
        name: str,
        description: str | None,
        scheme_name: str | None,
        auto_error: bool,
    ) -> None:
        super().__init__(
            scheme_object("apiKey", description, name=name, **{"in": location}),
            scheme_name=scheme_name,
            auto_error=auto_error,
            challenge="APIKey",
        )
        self.name = name
        self.location = location

    def check_api_key(self, api_key: str | None) -> str | None:
        """The key, or the refusal when it is missing or empty."""
        if not api_key:
            self.refuse()
            return None
        return api_key


class APIKeyHeader(APIKeyBase):
    """A key in the header ``name`` (any case)."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("header", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.headers.get(self.name))


class APIKeyQuery(APIKeyBase):
    """A key in the query parameter ``name``."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("query", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.query_params.get(self.name))


class APIKeyCookie(APIKeyBase):
    """A key in the cookie ``name``."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("cookie", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.cookies.get(self.name))
