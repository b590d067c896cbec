"""--json-comp on FastAPI: GET /items (50 pydantic items) behind Starlette's GZipMiddleware."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from pydantic import BaseModel

from bench.apps.share import ITEMS


class Item(BaseModel):
    id: int
    name: str
    email: str
    price: float
    active: bool
    tags: list[str]
    description: str


PAGE = [Item(**{field: getattr(item, field) for field in item.__struct_fields__}) for item in ITEMS]
app = FastAPI()
app.add_middleware(GZipMiddleware)


@app.get("/items")
async def items() -> list[Item]:
    return PAGE
