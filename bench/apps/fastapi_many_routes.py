"""The FastAPI app with 1,000 more routes around POST /user (routing cost check)."""

from __future__ import annotations

from fastapi import FastAPI

from bench.apps.fastapi_app import pydantic_user
from bench.apps.filler import add_filler_routes

app = FastAPI()


add_filler_routes(app, 0, 250)
app.post("/user")(pydantic_user)
add_filler_routes(app, 250, 500)
