"""OAuth2-style scopes on dependencies: ``Security(dep, scopes=[...])`` and ``SecurityScopes``;
the password flow's token request form, ``OAuth2PasswordRequestForm``.

A ``Security`` parameter is a ``Depends`` that also declares the scopes it needs.  Scopes
add up down the dependency tree: a dependency that takes a ``SecurityScopes`` parameter
receives every scope declared on the way from the endpoint to it (outermost first, each
once), e.g. to check them against a token's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from squall.params import Depends
from squall.sources import Form


class Security(Depends):
    """``Depends`` plus the OAuth2 scopes this use of the dependency requires."""

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        scopes: Sequence[str] | None = None,
        use_cache: bool = True,
        scope: str | None = "request",
    ) -> None:
        super().__init__(dependency, use_cache=use_cache, scope=scope)
        self.scopes = tuple(scopes or ())


class SecurityScopes:
    """The scopes required by the dependants of the dependency that asks for this."""

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or ())
        self.scope_str: str = " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"SecurityScopes({self.scopes!r})"


def added_scopes(outer: tuple[str, ...], depends: Depends) -> tuple[str, ...]:
    """``outer`` followed by the scopes ``depends`` declares that are not in it yet."""
    own = depends.scopes if isinstance(depends, Security) else ()
    if not own:
        return outer
    scopes = list(outer)
    for scope in own:
        if scope not in scopes:
            scopes.append(scope)
    return tuple(scopes)


class OAuth2PasswordRequestForm:
    """The OAuth2 password flow's token request, read from a form (use it as a dependency:
    ``form: Annotated[OAuth2PasswordRequestForm, Depends()]``).  ``scope`` is the scopes
    separated by spaces; ``.scopes`` has them as a list."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern=r"^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
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
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
