"""Requests to the twin app (twin.py) and what Squall answers each; the FastAPI parity test
sends the same ones to FastAPI.

A case is the request (path, headers, query, cookies) and the answer expected: status,
``WWW-Authenticate`` (None: no such header) and JSON body.  ``DIFFERENT`` names the cases
where Squall deliberately answers otherwise than FastAPI (README, "Security").
"""

import base64
import dataclasses
from typing import Any

NOT_AUTHENTICATED = {"detail": "Not authenticated"}


def basic(user_pass: bytes) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(user_pass).decode()}


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    path: str
    headers: dict[str, str]
    status: int
    challenge: str | None
    body: Any
    query: dict[str, str] = dataclasses.field(default_factory=dict)
    cookies: dict[str, str] = dataclasses.field(default_factory=dict)


def refused(name: str, path: str, headers: dict[str, str], challenge: str, **kw: Any) -> Case:
    return Case(name, path, headers, 401, challenge, NOT_AUTHENTICATED, **kw)


def gave(name: str, path: str, headers: dict[str, str], value: Any, **kw: Any) -> Case:
    return Case(name, path, headers, 200, None, {"gave": value}, **kw)


BEARER = {"authorization": "Bearer abc.def"}
CASES = [
    # HTTPBearer
    gave("bearer", "/bearer", BEARER, {"scheme": "Bearer", "credentials": "abc.def"}),
    gave("bearer lower case", "/bearer", {"authorization": "bearer x"}, {"scheme": "bearer", "credentials": "x"}),
    refused("bearer missing", "/bearer", {}, "Bearer"),
    refused("bearer empty", "/bearer", {"authorization": ""}, "Bearer"),
    refused("bearer no token", "/bearer", {"authorization": "Bearer"}, "Bearer"),
    refused("bearer wrong scheme", "/bearer", {"authorization": "Basic abc"}, "Bearer"),
    gave("bearer optional missing", "/bearer-optional", {}, None),
    gave("bearer optional wrong scheme", "/bearer-optional", {"authorization": "Token x"}, None),
    gave("bearer optional", "/bearer-optional", BEARER, {"scheme": "Bearer", "credentials": "abc.def"}),
    # HTTPBasic
    gave("basic", "/basic", basic(b"alice:wonder:land"), {"username": "alice", "password": "wonder:land"}),
    gave("basic empty password", "/basic", basic(b"alice:"), {"username": "alice", "password": ""}),
    refused("basic missing", "/basic", {}, 'Basic realm="store"'),
    refused("basic wrong scheme", "/basic", BEARER, 'Basic realm="store"'),
    refused("basic not base64", "/basic", {"authorization": "Basic %%%"}, 'Basic realm="store"'),
    refused("basic no colon", "/basic", basic(b"alice"), 'Basic realm="store"'),
    refused("basic nothing", "/basic", {"authorization": "Basic"}, 'Basic realm="store"'),
    refused("basic no realm", "/basic-plain", {}, "Basic"),
    gave("basic optional missing", "/basic-optional", {}, None),
    gave("basic optional wrong scheme", "/basic-optional", BEARER, None),
    # HTTPDigest and HTTPBase
    gave("digest", "/digest", {"authorization": 'Digest username="a"'}, {"scheme": "Digest", "credentials": 'username="a"'}),
    refused("digest missing", "/digest", {}, "Digest"),
    refused("digest wrong scheme", "/digest", BEARER, "Digest"),
    gave("digest optional wrong scheme", "/digest-optional", BEARER, None),
    gave("custom scheme", "/custom", {"authorization": "Custom xyz"}, {"scheme": "Custom", "credentials": "xyz"}),
    gave("custom takes any scheme", "/custom", BEARER, {"scheme": "Bearer", "credentials": "abc.def"}),
    refused("custom missing", "/custom", {}, "Custom"),
    # API keys
    gave("header key", "/key/header", {"x-api-key": "k1"}, "k1"),
    refused("header key missing", "/key/header", {}, "APIKey"),
    refused("header key empty", "/key/header", {"x-api-key": ""}, "APIKey"),
    gave("header key optional", "/key/header-optional", {}, None),
    gave("query key", "/key/query", {}, "k2", query={"api_key": "k2"}),
    refused("query key missing", "/key/query", {}, "APIKey"),
    refused("query key empty", "/key/query", {}, "APIKey", query={"api_key": ""}),
    gave("query key optional", "/key/query-optional", {}, None),
    gave("cookie key", "/key/cookie", {}, "k3", cookies={"session": "k3"}),
    refused("cookie key missing", "/key/cookie", {}, "APIKey"),
    refused("cookie key other cookie", "/key/cookie", {}, "APIKey", cookies={"other": "x"}),
    gave("cookie key optional", "/key/cookie-optional", {}, None),
    # OAuth2 and OpenID Connect
    gave("password bearer", "/oauth2/password", BEARER, "abc.def"),
    refused("password bearer missing", "/oauth2/password", {}, "Bearer"),
    refused("password bearer wrong scheme", "/oauth2/password", basic(b"a:b"), "Bearer"),
    gave("password bearer optional", "/oauth2/password-optional", {}, None),
    gave("code bearer", "/oauth2/code", BEARER, "abc.def"),
    refused("code bearer wrong scheme", "/oauth2/code", {"authorization": "Token x"}, "Bearer"),
    gave("oauth2 flows", "/oauth2/flows", {"authorization": "Anything goes"}, "Anything goes"),
    refused("oauth2 flows missing", "/oauth2/flows", {}, "Bearer"),
    gave("openid connect", "/oidc", BEARER, "Bearer abc.def"),
    refused("openid connect missing", "/oidc", {}, "Bearer"),
    gave("openid connect optional", "/oidc-optional", {}, None),
    # Scopes: Security(..., scopes=) read through SecurityScopes
    Case("scopes", "/me", {"authorization": "Bearer bob-token"}, 200, None, {"user": "bob", "scopes": ["me"]}),
    Case("scopes added up", "/me/items", {"authorization": "Bearer alice-token"}, 200, None, {"user": "alice", "scopes": ["me", "items"]}),
    Case("scope missing", "/me/items", {"authorization": "Bearer bob-token"}, 401, 'Bearer scope="me items"', {"detail": "Not enough permissions"}),
    refused("scopes no token", "/me", {}, "Bearer"),
]  # fmt: skip

# Squall's answer where it differs from FastAPI's on purpose (README, "Security"):
DIFFERENT = [
    # RFC 7617 allows UTF-8 user names; FastAPI decodes ASCII only (401).
    gave("basic utf-8", "/basic", basic("zoë:pässword".encode()), {"username": "zoë", "password": "pässword"}),
    # Characters outside base64 are refused; FastAPI skips them and reads "u:p".
    refused("basic junk in base64", "/basic", {"authorization": "Basic dTpw!!"}, 'Basic realm="store"'),
    # auto_error=False gives None for malformed credentials too; FastAPI answers 401.
    gave("basic optional malformed", "/basic-optional", {"authorization": "Basic %%%"}, None),
    # "Bearer" with no token is refused; FastAPI's OAuth2PasswordBearer gives "".
    refused("password bearer no token", "/oauth2/password", {"authorization": "Bearer"}, "Bearer"),
]  # fmt: skip
