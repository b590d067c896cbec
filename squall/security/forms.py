"""The OAuth2 password flow's token request, read from a submitted form.

Use a class as a dependency: ``form: Annotated[OAuth2PasswordRequestForm, Depends()]``.
``scope`` is the scopes separated by spaces; ``.scopes`` has them as a list.  The password
and the client secret are documented with ``format: password`` (Swagger UI hides them).
"""

from __future__ import annotations

from typing import Annotated

from squall.sources import Form


class OAuth2PasswordRequestForm:
    """The token request; ``grant_type`` may be left out (when sent it must be
    ``password``)."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern=r"^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """The same, with ``grant_type=password`` required (as the OAuth2 spec says)."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str, Form(pattern=r"^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
