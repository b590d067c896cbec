"""OAuth2-style scopes on dependencies: ``Security(dep, scopes=[...])`` and ``SecurityScopes``.

A ``Security`` parameter is a ``Depends`` that also declares the scopes it needs.  Scopes
add up down the dependency tree: a dependency that takes a ``SecurityScopes`` parameter
receives every scope declared on the way from the endpoint to it (outermost first, each
once), e.g. to check them against a token's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from squall.params import Depends


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
