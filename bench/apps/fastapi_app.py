"""The seed's FastAPI app (pydantic model in, pydantic model out)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from pydantic import BaseModel


class User(BaseModel):
    id: int
    name: str
    email: str


app = FastAPI()


@app.post("/user")
async def pydantic_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)


@app.get("/baseline")
async def add(a: int, b: int) -> int:
    return a + b


@app.get("/users")
async def users() -> list[User]:
    return [User(id=i, name=f"user{i}", email=f"user{i}@email.com") for i in range(100)]


@app.post("/upload")
async def upload(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}
