"""API keys: a secret sent in a header, a query parameter or a cookie of a given name.

The dependency gives the key (a str) for the application to check.  A missing or empty key
answers 401 with the challenge ``WWW-Authenticate: APIKey`` (there is no standard one; a 401
must carry one), as FastAPI does since 0.122 (before, it answered 403).
"""

from __future__ import annotations

from typing import ClassVar

from squall.requests import Request
from squall.security.base import SecurityBase, scheme_object


class APIKeyBase(SecurityBase):
    """An API key named ``name`` found at the subclass's ``location`` ("header", "query" or
    "cookie"), read by its ``read_key``."""

    location: ClassVar[str] = ""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme_object("apiKey", description, name=name, **{"in": self.location}),
            scheme_name=scheme_name,
            auto_error=auto_error,
            challenge="APIKey",
        )
        self.name = name

    def check_api_key(self, api_key: str | None) -> str | None:
        """The key, or the refusal when it is missing or empty."""
        if not api_key:
            self.refuse()
            return None
        return api_key

    def read_key(self, request: Request) -> str | None:
        raise NotImplementedError

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(self.read_key(request))


class APIKeyHeader(APIKeyBase):
    """A key in the header ``name`` (any case)."""

    location = "header"

    def read_key(self, request: Request) -> str | None:
        return request.headers.get(self.name)


class APIKeyQuery(APIKeyBase):
    """A key in the query parameter ``name``."""

    location = "query"

    def read_key(self, request: Request) -> str | None:
        return request.query_params.get(self.name)


class APIKeyCookie(APIKeyBase):
    """A key in the cookie ``name``."""

    location = "cookie"

    def read_key(self, request: Request) -> str | None:
        return request.cookies.get(self.name)
