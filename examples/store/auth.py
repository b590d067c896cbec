"""Who may do what, in one place: staff send a bearer token for the catalogue's writes, admins
an API key in ``X-API-Key``, customers an OAuth2 token (from ``POST /token``) with scopes.

The tokens are fixed strings: this is an example, not an identity provider.
"""

from __future__ import annotations

from typing import Annotated, Protocol

from examples.store.models import Customer, Token
from squall import Depends, HTTPException, Security, SecurityScopes
from squall.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
)

STAFF_TOKEN = "staff-token"
ADMIN_KEY = "admin-key"
CUSTOMERS = {"alice": ("wonderland", Customer("alice", "Alice Liddell", ["profile", "orders"]))}
SCOPES = {"profile": "Read your profile", "orders": "Place and read your orders"}
STAFF_DESCRIPTION = f"Staff: `{STAFF_TOKEN}` in this example"
ADMIN_DESCRIPTION = f"The back office's key: `{ADMIN_KEY}` in this example"


class PasswordForm(Protocol):
    username: str
    password: str


class ScopesAsked(Protocol):
    """What ``SecurityScopes`` tells (Squall's or FastAPI's)."""

    scopes: list[str]
    scope_str: str


def check_staff_token(token: str) -> str:
    if token != STAFF_TOKEN:
        raise HTTPException(401, "Invalid token", {"WWW-Authenticate": "Bearer"})
    return "staff"


def check_admin_key(key: str) -> None:
    if key != ADMIN_KEY:
        raise HTTPException(403, "Not an admin key")


def customer_with_scopes(token: str, security_scopes: ScopesAsked) -> Customer:
    """The customer ``token`` was issued to, if they were granted every scope asked for."""
    username = token.removesuffix("-token")
    known = CUSTOMERS.get(username)
    if known is None or token != f"{username}-token":
        raise HTTPException(401, "Invalid token", {"WWW-Authenticate": "Bearer"})
    customer = known[1]
    if any(scope not in customer.scopes for scope in security_scopes.scopes):
        challenge = f'Bearer scope="{security_scopes.scope_str}"'
        raise HTTPException(403, "Not enough permissions", {"WWW-Authenticate": challenge})
    return customer


def issue_token(form: PasswordForm) -> Token:
    known = CUSTOMERS.get(form.username)
    if known is None or known[0] != form.password:
        raise HTTPException(400, "Incorrect username or password")
    return {"access_token": f"{form.username}-token", "token_type": "bearer"}


# The security dependencies (everything above this line is shared with the FastAPI twin).
staff_bearer = HTTPBearer(description=STAFF_DESCRIPTION)
admin_api_key = APIKeyHeader(name="X-API-Key", description=ADMIN_DESCRIPTION)
customer_oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes=SCOPES)


def staff_member(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(staff_bearer)],
) -> str:
    return check_staff_token(credentials.credentials)


def admin(key: Annotated[str, Depends(admin_api_key)]) -> None:
    check_admin_key(key)


def current_customer(
    security_scopes: SecurityScopes, token: Annotated[str, Depends(customer_oauth2)]
) -> Customer:
    return customer_with_scopes(token, security_scopes)


StaffMember = Annotated[str, Depends(staff_member)]
ProfileReader = Annotated[Customer, Security(current_customer, scopes=["profile"])]
OrdersCustomer = Annotated[Customer, Security(current_customer, scopes=["orders"])]
