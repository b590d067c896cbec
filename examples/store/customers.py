"""Customers: the OAuth2 password flow's token, the profile, preferences and the newsletter."""

from __future__ import annotations

from typing import Annotated, Literal

from examples.store.auth import ProfileReader, issue_token
from examples.store.data import STORE
from examples.store.models import Customer, Error, Preferences, Subscription, Token
from squall import Cookie, Depends, Form, Header, Router
from squall.security import OAuth2PasswordRequestForm

router = Router(tags=["customers"])

Topic = Literal["offers", "new-products", "garden-tips"]
# Spaces, not \s: Python's \s also takes \x1c-\x1f, a JSON Schema regex's does not.
EMAIL_PATTERN = r"^[^@ ]+@[^@ ]+$"


@router.post(
    "/token",
    tags=["auth"],
    summary="Sign in",
    responses={400: {"model": Error, "description": "Wrong username or password"}},
)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """The OAuth2 password flow: a form with username and password gives a bearer token."""
    return issue_token(form)


@router.get("/customers/me")
async def read_me(customer: ProfileReader) -> Customer:
    """The signed-in customer (needs the ``profile`` scope)."""
    return customer


@router.get("/customers/preferences")
async def read_preferences(
    theme: Annotated[
        Literal["light", "dark"], Cookie(description="Set by the shop's pages")
    ] = "light",
    accept_language: Annotated[str, Header(max_length=100)] = "en",
    lang: Annotated[str | None, Header(deprecated=True, alias="x-lang")] = None,
) -> Preferences:
    """How the shop's pages look for this visitor, from their cookie and headers."""
    language = lang or accept_language.split(",")[0].split(";")[0].strip() or "en"
    return Preferences(theme=theme, language=language)


@router.post("/customers/newsletter", status_code=201)
async def subscribe(
    email: Annotated[str, Form(pattern=EMAIL_PATTERN, examples=["ann@example.com"])],
    topics: Annotated[list[Topic], Form(min_length=1)],
) -> Subscription:
    """Subscribe an address to some topics (an HTML form can post this)."""
    STORE.subscribers[email] = list(topics)
    return {"email": email, "topics": list(topics)}
