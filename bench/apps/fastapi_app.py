"""The seed's FastAPI app (pydantic model in, pydantic model out)."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel


class User(BaseModel):
    id: int
    name: str
    email: str


app = FastAPI()


@app.post("/user")
async def pydantic_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)
