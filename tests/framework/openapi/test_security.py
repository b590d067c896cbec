"""Security dependencies (duck-typed: ``scheme_name`` and ``security_scheme``) become
``components.securitySchemes`` and each operation's ``security`` with its scopes."""

from typing import Annotated, Any

from squall import App, Depends, Router
from squall.security import Security
from tests.framework.openapi.documents import document_of, needs_validator

pytestmark = needs_validator


class Scheme:
    """The contract's two attributes, as squall.security's classes have them."""

    def __init__(self, name: str, scheme: dict[str, Any]) -> None:
        self.scheme_name = name
        self.security_scheme = scheme

    async def __call__(self) -> str:
        return "credentials"


bearer = Scheme("HTTPBearer", {"type": "http", "scheme": "bearer"})
oauth = Scheme(
    "OAuth2PasswordBearer",
    {
        "type": "oauth2",
        "flows": {"password": {"tokenUrl": "token", "scopes": {"read": "Read", "write": "Write"}}},
    },
)
api_key = Scheme("APIKeyHeader", {"type": "apiKey", "in": "header", "name": "x-key"})


async def current_user(token: Annotated[str, Security(oauth, scopes=["read"])]) -> str:
    return token


def test_schemes_and_scopes_down_the_tree() -> None:
    app = App()

    @app.get("/me")
    async def me(user: Annotated[str, Security(current_user, scopes=["write"])]) -> None: ...

    @app.get("/open")
    async def open_route() -> None: ...

    @app.get("/bearer")
    async def with_bearer(token: Annotated[str, Depends(bearer)]) -> None: ...

    doc = document_of(app)
    assert doc["paths"]["/me"]["get"]["security"] == [{"OAuth2PasswordBearer": ["write", "read"]}]
    assert "security" not in doc["paths"]["/open"]["get"]
    assert doc["paths"]["/bearer"]["get"]["security"] == [{"HTTPBearer": []}]
    assert doc["components"]["securitySchemes"] == {
        "HTTPBearer": bearer.security_scheme,
        "OAuth2PasswordBearer": oauth.security_scheme,
    }


def test_app_router_and_route_dependencies_count() -> None:
    app = App(dependencies=[Depends(api_key)])
    router = Router(dependencies=[Depends(bearer)])

    @router.get("/r", dependencies=[Security(oauth, scopes=["read"])])
    async def routed() -> None: ...

    app.include_router(router)
    op = document_of(app)["paths"]["/r"]["get"]
    assert op["security"] == [
        {"APIKeyHeader": []},
        {"HTTPBearer": []},
        {"OAuth2PasswordBearer": ["read"]},
    ]


def test_a_dependency_without_both_attributes_is_no_scheme() -> None:
    app = App()

    class Half:
        scheme_name = "half"

        async def __call__(self) -> None: ...

    @app.get("/half")
    async def half(value: Annotated[None, Depends(Half())]) -> None: ...

    doc = document_of(app)
    assert "security" not in doc["paths"]["/half"]["get"]
    assert "securitySchemes" not in doc.get("components", {})
