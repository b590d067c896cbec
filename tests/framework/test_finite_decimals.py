"""Non-finite decimals are refused as FastAPI refuses them (pydantic's ``finite_number``): in
JSON bodies of every model kind, at any depth, and in query, header and form values.  The same
requests go to a FastAPI twin (in-process) and to Squall on a real server (its native path,
and uvicorn); status, error type and location must agree."""

from __future__ import annotations

import dataclasses
import decimal
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import fastapi
import httpx
import msgspec
import pydantic
from pydantic.alias_generators import to_camel

from squall import App, Header, Query
from squall.testing import TestClient

NON_FINITE = ["Infinity", "NaN", "-inf", "inf", "nan", "sNaN", "-Infinity", " inf "]
TEXTS = [*NON_FINITE, "1.5", "-0", "1e400", "12.50"]


class Line(msgspec.Struct, rename="camel"):
    unit_price: decimal.Decimal


@dataclasses.dataclass
class Fee:
    amount: decimal.Decimal | None


class Order(msgspec.Struct):
    total: decimal.Decimal
    lines: list[Line]
    fees: dict[str, Fee]
    count: int = 0


class Box(TypedDict):
    v: decimal.Decimal


def order_body(**changes: Any) -> dict[str, Any]:
    body = {"total": "3", "lines": [{"unitPrice": "1"}], "fees": {"a": {"amount": None}}}
    return {**body, **changes}


BODIES: list[Any] = [
    *({"total": text, "lines": [], "fees": {}} for text in TEXTS),
    order_body(lines=[{"unitPrice": "2"}, {"unitPrice": "NaN"}]),
    order_body(fees={"a": {"amount": "1"}, "b": {"amount": "-Infinity"}}),
    order_body(total="inf", count="7"),  # refused strictly for count: the lax reading
    order_body(total="inf", count=7.5),  # both wrong: the first in the body is reported
    order_body(count="7"),
]


class FastLine(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(alias_generator=to_camel)
    unit_price: decimal.Decimal


class FastFee(pydantic.BaseModel):
    amount: decimal.Decimal | None


class FastOrder(pydantic.BaseModel):
    total: decimal.Decimal
    lines: list[FastLine]
    fees: dict[str, FastFee]
    count: int = 0


def squall_app() -> App:
    app = App()

    @app.post("/order")
    async def order(body: Order) -> dict[str, Any]:
        return {"total": str(body.total), "count": body.count}

    @app.post("/box")
    async def box(body: Box) -> dict[str, Any]:
        return {"v": str(body["v"])}

    @app.get("/values")
    async def values(
        v: decimal.Decimal,
        many: Annotated[list[decimal.Decimal], Query()],
        x_limit: Annotated[decimal.Decimal | None, Header()] = None,
    ) -> dict[str, Any]:
        return {"v": str(v), "many": [str(d) for d in many], "limit": str(x_limit)}

    return app


def fastapi_app() -> fastapi.FastAPI:
    app = fastapi.FastAPI()

    @app.post("/order")
    async def order(body: FastOrder) -> dict[str, Any]:
        return {"total": str(body.total), "count": body.count}

    @app.post("/box")
    async def box(body: Annotated[dict[str, decimal.Decimal], fastapi.Body()]) -> dict[str, Any]:
        return {"v": str(body["v"])}

    @app.get("/values")
    async def values(
        v: decimal.Decimal,
        many: Annotated[list[decimal.Decimal], fastapi.Query()],
        x_limit: Annotated[decimal.Decimal | None, fastapi.Header()] = None,
    ) -> dict[str, Any]:
        return {"v": str(v), "many": [str(d) for d in many], "limit": str(x_limit)}

    return app


REQUESTS: list[dict[str, Any]] = [
    *({"method": "POST", "url": "/order", "json": body} for body in BODIES),
    *({"method": "POST", "url": "/box", "json": {"v": text}} for text in TEXTS),
    # the same word, JSON-escaped: msgspec reads it as "Infinity" all the same
    {"method": "POST", "url": "/box", "content": b'{"v": "\\u0049nfinity"}'},
    *({"method": "GET", "url": "/values", "params": {"v": t, "many": ["1", t]}} for t in TEXTS),
    *(
        {"method": "GET", "url": "/values", "params": {"v": "1", "many": "2"}, "headers": h}
        for h in ({"x-limit": "NaN"}, {"x-limit": "-inf"}, {"x-limit": "9.99"})
    ),
]


def answer(response: httpx.Response) -> tuple[int, Any]:
    body = response.json()
    if response.status_code == 422:
        return 422, [(error["loc"], error["type"]) for error in body["detail"]][:1]
    return response.status_code, body


def send_all(client: httpx.Client | TestClient) -> list[tuple[int, Any]]:
    answers = []
    for request in REQUESTS:
        headers = {"content-type": "application/json", **request.get("headers", {})}
        options = {k: v for k, v in request.items() if k != "headers"}
        answers.append(answer(client.request(headers=headers, **options)))
    return answers


def test_non_finite_decimals_get_fastapis_answers(serve_app: Callable[[Any], Any]) -> None:
    with TestClient(fastapi_app()) as fast:
        expected = send_all(fast)
    with serve_app(squall_app()) as url, httpx.Client(base_url=url, timeout=10) as client:
        got = send_all(client)
    wrong = [(r, g, e) for r, g, e in zip(REQUESTS, got, expected, strict=True) if g != e]
    assert not wrong, "\n".join(map(repr, wrong))
    refused = [a for a in expected if a[0] == 422 and a[1][0][1] == "finite_number"]
    assert len(refused) == 3 * len(NON_FINITE) + 7  # the table does reach pydantic's check
    assert expected[-1] == (200, {"v": "1", "many": ["2"], "limit": "9.99"})
