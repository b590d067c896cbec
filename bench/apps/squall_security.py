"""GET routes that read a bearer token: with ``Header()`` (the floor) and with each way a
security dependency is used (python -m bench.security_cost compares them)."""

from __future__ import annotations

from typing import Annotated

from squall import App, Depends, Header, HTTPException
from squall.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

app = App()
bearer = HTTPBearer()
password_flow = OAuth2PasswordBearer(tokenUrl="token")


@app.get("/header")
async def with_header(authorization: Annotated[str, Header()]) -> str:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    return token


@app.get("/bearer")
async def with_bearer(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
    return credentials.credentials


@app.get("/oauth2")
async def with_oauth2(token: Annotated[str, Depends(password_flow)]) -> str:
    return token
