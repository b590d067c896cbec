"""What a scheme documents (the two attributes the OpenAPI document reads: ``scheme_name``,
``security_scheme``), the names squall.security keeps, get_authorization_scheme_param, and
the ways a scheme is used and replaced on a real server (Squall's and uvicorn)."""

import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import msgspec
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

import squall
import squall.security as security
from squall import App, Depends, HTTPException, Request, Security, WebSocket
from squall.security.utils import get_authorization_scheme_param
from tests.framework.conftest import serve_with_squall, serve_with_uvicorn

EVERY_SCHEME: list[tuple[type[Any], dict[str, str]]] = [  # each class, what it needs
    (security.HTTPBearer, {}),
    (security.HTTPBasic, {}),
    (security.HTTPDigest, {}),
    (security.HTTPBase, {"scheme": "hoba"}),
    (security.APIKeyHeader, {"name": "x-key"}),
    (security.APIKeyQuery, {"name": "key"}),
    (security.APIKeyCookie, {"name": "key"}),
    (security.OAuth2, {}),
    (security.OAuth2PasswordBearer, {"tokenUrl": "token"}),
    (security.OAuth2AuthorizationCodeBearer, {"authorizationUrl": "a", "tokenUrl": "t"}),
    (security.OpenIdConnect, {"openIdConnectUrl": "https://id.example.com"}),
]


@pytest.mark.parametrize(("cls", "needs"), EVERY_SCHEME, ids=lambda x: getattr(x, "__name__", ""))
def test_the_scheme_name_is_the_class_name_unless_given(
    cls: type[Any], needs: dict[str, str]
) -> None:
    assert cls(**needs).scheme_name == cls.__name__
    assert cls(**needs, scheme_name="Mine").scheme_name == "Mine"


def test_each_class_documents_its_openapi_security_scheme_object() -> None:
    documents = [
        security.HTTPBearer(bearerFormat="JWT", description="Signed").security_scheme,
        security.HTTPBasic(realm="ignored by the document").security_scheme,
        security.APIKeyCookie(name="session").security_scheme,
        security.OAuth2PasswordBearer("token", scopes={"me": "You"}).security_scheme,
        security.OAuth2(
            flows={"implicit": {"authorizationUrl": "/a", "scopes": {}}}
        ).security_scheme,
        security.OpenIdConnect(openIdConnectUrl="https://id.example.com/c").security_scheme,
    ]
    assert documents == [
        {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Signed"},
        {"type": "http", "scheme": "basic"},
        {"type": "apiKey", "in": "cookie", "name": "session"},
        {"type": "oauth2", "flows": {"password": {"tokenUrl": "token", "scopes": {"me": "You"}}}},
        {"type": "oauth2", "flows": {"implicit": {"authorizationUrl": "/a", "scopes": {}}}},
        {"type": "openIdConnect", "openIdConnectUrl": "https://id.example.com/c"},
    ]


def test_the_names_of_the_old_module_are_still_there() -> None:
    assert squall.Security is security.Security
    assert squall.SecurityScopes is security.SecurityScopes
    for name in ("OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict", "added_scopes"):
        assert callable(getattr(security, name))


@pytest.mark.parametrize(
    ("value", "split"),
    [
        (None, ("", "")),
        ("", ("", "")),
        ("Bearer abc", ("Bearer", "abc")),
        ("Bearer   abc  ", ("Bearer", "abc")),
        ("Bearer", ("Bearer", "")),
        ("Digest a=1, b=2", ("Digest", "a=1, b=2")),
    ],
)
def test_get_authorization_scheme_param(value: str | None, split: tuple[str, str]) -> None:
    assert get_authorization_scheme_param(value) == split


class Bearer403(security.HTTPBearer):
    """FastAPI's recipe for the 403 of its releases before 0.122."""

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(403, "Not authenticated")


class SignedHeader(security.SecurityBase):
    """A scheme of one's own (README, "Security"): a signature header with its challenge."""

    def __init__(self) -> None:
        document = {"type": "apiKey", "in": "header", "name": "x-signature"}
        super().__init__(document, scheme_name=None, auto_error=True, challenge="Signature")

    async def __call__(self, request: Request) -> str | None:
        signature: str | None = request.headers.get("x-signature")
        if signature != "valid":
            self.refuse()
            return None
        return signature


bearer = security.HTTPBearer()
signed = SignedHeader()
keyed = security.APIKeyHeader(name="x-key")
quoted_realm = security.HTTPBasic(realm='the "inner" \\ realm')
socket_key = security.APIKeyQuery(name="key")  # a browser's WebSocket sends no headers
SCOPED = {  # a scheme of each kind, and a request it takes
    "bearer": (security.HTTPBearer(), {"authorization": "Bearer t"}),
    "basic": (security.HTTPBasic(), {"authorization": "Basic dTpw"}),
    "key": (security.APIKeyHeader(name="x-key"), {"x-key": "k"}),
    "oauth2": (security.OAuth2PasswordBearer("token"), {"authorization": "Bearer t"}),
}


def add_scoped_route(app: App, kind: str, scheme: Any) -> None:
    """GET /scoped/KIND: the scopes a dependency on ``scheme`` is asked for, added up."""

    async def checked(scopes: security.SecurityScopes, _: Annotated[Any, Depends(scheme)]) -> Any:
        return scopes.scopes

    async def outer(scopes: Annotated[Any, Security(checked, scopes=["read"])]) -> Any:
        return scopes

    @app.get(f"/scoped/{kind}")
    async def scoped(scopes: Annotated[Any, Security(outer, scopes=["write", "read"])]) -> Any:
        return scopes


def usage_app() -> App:
    app = App()

    @app.get("/default-style")
    async def default_style(credentials: Any = Depends(bearer)) -> Any:
        return credentials.credentials

    @app.get("/route-dependency", dependencies=[Security(keyed, scopes=["admin"])])
    async def route_dependency() -> str:
        return "in"

    @app.get("/forbidden")
    async def forbidden(credentials: Annotated[Any, Depends(Bearer403())]) -> Any:
        return credentials.credentials

    @app.get("/realm")
    async def realm(credentials: Annotated[Any, Depends(quoted_realm)]) -> Any:
        return credentials.username

    @app.get("/overridden")
    async def overridden(credentials: Annotated[Any, Depends(bearer)]) -> Any:
        return credentials.credentials

    @app.get("/signed")
    async def signed_route(signature: Annotated[str, Depends(signed)]) -> str:
        return signature

    for kind, (scheme, _) in SCOPED.items():
        add_scoped_route(app, kind, scheme)

    @app.websocket("/socket")
    async def socket(websocket: WebSocket, key: Annotated[str, Depends(socket_key)]) -> None:
        await websocket.accept()
        await websocket.send_text(key)
        await websocket.close()

    return app


SERVERS = {"squall-native": serve_with_squall, "uvicorn-asgi": serve_with_uvicorn}


@pytest.fixture(scope="module", params=list(SERVERS))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[App, httpx.Client]]:
    app = usage_app()
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(SERVERS[request.param](app))
        yield app, stack.enter_context(httpx.Client(base_url=url, timeout=10))


def test_the_ways_a_scheme_is_used(served: tuple[App, httpx.Client]) -> None:
    _, client = served
    assert client.get("/default-style", headers={"authorization": "Bearer t"}).json() == "t"
    assert client.get("/default-style").status_code == 401
    assert client.get("/route-dependency", headers={"x-key": "k"}).json() == "in"
    refused = client.get("/route-dependency")
    assert (refused.status_code, refused.headers["www-authenticate"]) == (401, "APIKey")
    old_style = client.get("/forbidden")
    assert (old_style.status_code, old_style.json()) == (403, {"detail": "Not authenticated"})
    assert "www-authenticate" not in old_style.headers
    assert client.get("/signed", headers={"x-signature": "valid"}).json() == "valid"
    unsigned = client.get("/signed", headers={"x-signature": "forged"})
    assert (unsigned.status_code, unsigned.headers["www-authenticate"]) == (401, "Signature")
    assert signed.scheme_name == "SignedHeader"
    challenge = client.get("/realm").headers["www-authenticate"]
    assert challenge == 'Basic realm="the \\"inner\\" \\\\ realm"'


def test_a_scheme_is_replaced_by_dependency_overrides(served: tuple[App, httpx.Client]) -> None:
    app, client = served

    async def signed_in() -> security.HTTPAuthorizationCredentials:
        return security.HTTPAuthorizationCredentials(scheme="Bearer", credentials="test-user")

    app.dependency_overrides[bearer] = signed_in
    try:
        assert client.get("/overridden").json() == "test-user"
    finally:
        app.dependency_overrides.clear()
    assert client.get("/overridden").status_code == 401


def test_a_scheme_guards_a_websocket_before_its_handshake(
    served: tuple[App, httpx.Client],
) -> None:
    _, client = served
    base = "ws" + str(client.base_url).removeprefix("http").rstrip("/")
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{base}/socket")
    response = refused.value.response
    assert (response.status_code, response.headers["www-authenticate"]) == (401, "APIKey")
    assert msgspec.json.decode(response.body) == {"detail": "Not authenticated"}
    with connect(f"{base}/socket?key=k1") as socket:
        assert socket.recv(timeout=5) == "k1"


@pytest.mark.parametrize("kind", list(SCOPED))
def test_scopes_reach_a_dependency_on_each_kind_of_scheme(
    served: tuple[App, httpx.Client], kind: str
) -> None:
    _, client = served
    assert client.get(f"/scoped/{kind}", headers=SCOPED[kind][1]).json() == ["write", "read"]
    assert client.get(f"/scoped/{kind}").status_code == 401
