"""Starlette and FastAPI apps, unchanged, served by Squall."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import FastAPI, Query
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.server.serving import serve, wait_until

background_runs: list[str] = []


async def starlette_user(request: Request) -> Response:
    data = await request.json()
    return JSONResponse({"id": data["id"], "name": data["name"], "email": data["email"]})


async def starlette_stream(request: Request) -> Response:
    async def numbers() -> Any:
        for i in range(3):
            yield f"{i};"
            await asyncio.sleep(0.01)

    return StreamingResponse(numbers(), media_type="text/plain")


def starlette_sync(request: Request) -> Response:
    time.sleep(0.01)  # runs in Starlette's thread pool
    return PlainTextResponse(f"sync {request.query_params.get('q', '')}")


async def starlette_background(request: Request) -> Response:
    task = BackgroundTask(background_runs.append, request.path_params["name"])
    return PlainTextResponse("accepted", background=task)


starlette_app = Starlette(
    routes=[
        Route("/user", starlette_user, methods=["POST"]),
        Route("/stream", starlette_stream),
        Route("/sync", starlette_sync),
        Route("/background/{name}", starlette_background, methods=["POST"]),
    ]
)


class User(BaseModel):
    id: int
    name: str
    email: str


fastapi_app = FastAPI()


@fastapi_app.post("/user")
async def create_user(user: User) -> User:
    return User(id=user.id, name=user.name, email=user.email)


@fastapi_app.get("/items/{item_id}")
def read_item(item_id: int, limit: int = Query(10, le=100)) -> dict[str, int]:
    return {"item_id": item_id, "limit": limit}


def test_starlette_json_stream_sync_and_background() -> None:
    with serve(starlette_app) as running, httpx.Client(base_url=running.url) as client:
        user = {"id": 1, "name": "user", "email": "user@email.com"}
        assert client.post("/user", json=user).json() == user
        streamed = client.get("/stream")
        assert streamed.text == "0;1;2;"
        assert streamed.headers["transfer-encoding"] == "chunked"
        assert client.get("/sync?q=x").text == "sync x"
        assert client.post("/background/job1").text == "accepted"
        wait_until(lambda: "job1" in background_runs, "the background task")
        assert background_runs == ["job1"]
        assert client.get("/missing").status_code == 404


def test_fastapi_body_model_params_and_validation() -> None:
    with serve(fastapi_app) as running, httpx.Client(base_url=running.url) as client:
        user = {"id": 1, "name": "user", "email": "user@email.com"}
        assert client.post("/user", json=user).json() == user
        bad = client.post("/user", json={"id": "not a number"})
        assert bad.status_code == 422
        locations = [error["loc"] for error in bad.json()["detail"]]
        assert ["body", "id"] in locations and ["body", "name"] in locations
        assert client.get("/items/7?limit=5").json() == {"item_id": 7, "limit": 5}
        assert client.get("/items/7?limit=500").status_code == 422
        assert client.get("/items/x").status_code == 422
        assert client.get("/openapi.json").json()["paths"]["/user"]["post"]
