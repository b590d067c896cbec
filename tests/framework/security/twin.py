"""One app written twice: with squall.security and with fastapi.security, route for route.

``build(kit)`` takes the framework's names (``SQUALL`` or ``FASTAPI``) and declares the same
routes on its app, each depending on one security scheme and answering what the scheme gave
(a dict, so both frameworks encode it alike).  No ``from __future__ import annotations``:
the annotations name the kit's classes at run time.
"""

import types
from typing import Annotated, Any

TOKENS = {"alice-token": ["me", "items"], "bob-token": ["me"]}  # token -> granted scopes
PASSWORDS = {"alice": "wonderland", "bob": "builder"}
SCOPES = {"me": "Read your own profile", "items": "Read items"}


def kit_of(framework: str) -> types.SimpleNamespace:
    """The names an app of ``framework`` ("squall" or "fastapi") is written with."""
    if framework == "squall":
        import squall
        import squall.security as security

        app_class: Any = squall.App
    else:
        import fastapi
        import fastapi.security
        import fastapi.security.http

        # HTTPBase is in fastapi.security.http only (squall.security has every name).
        security = types.SimpleNamespace(  # type: ignore[assignment]
            **vars(fastapi.security), HTTPBase=fastapi.security.http.HTTPBase
        )

        squall = fastapi  # type: ignore[assignment]  # the same names: Depends, Security...
        app_class = fastapi.FastAPI
    return types.SimpleNamespace(
        App=app_class,
        Depends=squall.Depends,
        Security=squall.Security,
        HTTPException=squall.HTTPException,
        security=security,
    )


def schemes(kit: types.SimpleNamespace) -> dict[str, Any]:
    """Every scheme the twin uses, by the path of the route that depends on it."""
    s = kit.security
    return {
        "/bearer": s.HTTPBearer(bearerFormat="JWT", description="A token"),
        "/bearer-optional": s.HTTPBearer(auto_error=False, scheme_name="OptionalBearer"),
        "/basic": s.HTTPBasic(realm="store"),
        "/basic-plain": s.HTTPBasic(scheme_name="PlainBasic"),
        "/basic-optional": s.HTTPBasic(auto_error=False, scheme_name="OptionalBasic"),
        "/digest": s.HTTPDigest(),
        "/digest-optional": s.HTTPDigest(auto_error=False, scheme_name="OptionalDigest"),
        "/custom": s.HTTPBase(scheme="custom", scheme_name="Custom"),
        "/key/header": s.APIKeyHeader(name="X-API-Key"),
        "/key/header-optional": s.APIKeyHeader(
            name="X-API-Key", auto_error=False, scheme_name="K1"
        ),
        "/key/query": s.APIKeyQuery(name="api_key", description="The key"),
        "/key/query-optional": s.APIKeyQuery(name="api_key", auto_error=False, scheme_name="K2"),
        "/key/cookie": s.APIKeyCookie(name="session"),
        "/key/cookie-optional": s.APIKeyCookie(name="session", auto_error=False, scheme_name="K3"),
        "/oauth2/password": s.OAuth2PasswordBearer(tokenUrl="token", scopes=SCOPES),
        "/oauth2/password-optional": s.OAuth2PasswordBearer(
            tokenUrl="token", auto_error=False, scheme_name="OptionalPassword"
        ),
        "/oauth2/code": s.OAuth2AuthorizationCodeBearer(
            authorizationUrl="https://auth.example.com/authorize",
            tokenUrl="https://auth.example.com/token",
            refreshUrl="https://auth.example.com/refresh",
            scopes=SCOPES,
        ),
        "/oauth2/flows": s.OAuth2(
            flows={"clientCredentials": {"tokenUrl": "https://auth.example.com/t", "scopes": {}}}
        ),
        "/oidc": s.OpenIdConnect(
            openIdConnectUrl="https://auth.example.com/.well-known/openid-configuration"
        ),
        "/oidc-optional": s.OpenIdConnect(
            openIdConnectUrl="https://auth.example.com/oidc", auto_error=False, scheme_name="O2"
        ),
    }


def as_data(value: Any) -> Any:
    """What a scheme gave, as JSON-able data (credentials objects as dicts)."""
    for fields in (("scheme", "credentials"), ("username", "password")):
        if all(hasattr(value, name) for name in fields):
            return {name: getattr(value, name) for name in fields}
    return value


def build(framework: str) -> Any:
    kit = kit_of(framework)
    app = kit.App()
    for path, scheme in schemes(kit).items():
        add_scheme_route(app, kit, path, scheme)
    add_scoped_routes(app, kit)
    return app


def add_scheme_route(app: Any, kit: types.SimpleNamespace, path: str, scheme: Any) -> None:
    @app.get(path)
    async def gave(value: Annotated[Any, kit.Depends(scheme)]) -> Any:
        return {"gave": as_data(value)}


def add_scoped_routes(app: Any, kit: types.SimpleNamespace) -> None:
    """The OAuth2 password flow with scopes: /token issues, /me and /me/items check."""
    oauth2 = kit.security.OAuth2PasswordBearer(tokenUrl="token", scopes=SCOPES)

    @app.post("/token")
    async def token(
        form: Annotated[kit.security.OAuth2PasswordRequestForm, kit.Depends()],
    ) -> Any:
        if PASSWORDS.get(form.username) != form.password:
            raise kit.HTTPException(400, "Incorrect username or password")
        return {"access_token": f"{form.username}-token", "token_type": "bearer"}

    async def current_user(
        security_scopes: kit.security.SecurityScopes,
        token: Annotated[str, kit.Depends(oauth2)],
    ) -> Any:
        challenge = f'Bearer scope="{security_scopes.scope_str}"'
        granted = TOKENS.get(token)
        if granted is None:
            raise kit.HTTPException(401, "Bad token", headers={"WWW-Authenticate": challenge})
        for scope in security_scopes.scopes:
            if scope not in granted:
                raise kit.HTTPException(
                    401, "Not enough permissions", headers={"WWW-Authenticate": challenge}
                )
        return {"user": token.removesuffix("-token"), "scopes": security_scopes.scopes}

    @app.get("/me")
    async def me(user: Annotated[Any, kit.Security(current_user, scopes=["me"])]) -> Any:
        return user

    @app.get("/me/items")
    async def my_items(
        user: Annotated[Any, kit.Security(current_user, scopes=["me", "items"])],
    ) -> Any:
        return user
