"""Security schemes as dependencies, as in ``fastapi.security``: each enforces itself (a 401
with the scheme's ``WWW-Authenticate`` when credentials are missing or malformed, or None
with ``auto_error=False``) and documents itself in the OpenAPI document (``scheme_name`` and
``security_scheme``, see squall.security.base).  Also ``Security(dep, scopes=[...])``,
``SecurityScopes`` and the OAuth2 password flow's request forms.
"""

from squall.security.api_key import APIKeyBase, APIKeyCookie, APIKeyHeader, APIKeyQuery
from squall.security.base import SecurityBase
from squall.security.forms import OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict
from squall.security.http import (
    HTTPAuthorizationCredentials,
    HTTPBase,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)
from squall.security.oauth2 import OAuth2, OAuth2AuthorizationCodeBearer, OAuth2PasswordBearer
from squall.security.open_id_connect_url import OpenIdConnect
from squall.security.scopes import Security, SecurityScopes, added_scopes

__all__ = [
    "APIKeyBase",
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "OpenIdConnect",
    "Security",
    "SecurityBase",
    "SecurityScopes",
    "added_scopes",
]
