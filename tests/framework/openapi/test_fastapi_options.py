"""FastAPI's document options, one app built both ways and the documents compared whole:
``separate_input_output_schemas``, ``webhooks`` and ``root_path_in_servers``."""

from decimal import Decimal
from typing import Any

import fastapi
import httpx
import pydantic
import pytest

import squall
from tests.framework.openapi.documents import check_valid, needs_validator
from tests.framework.openapi.test_fastapi_parity import (
    undo_malformed_body_difference,
    undo_validation_error_difference,
)
from tests.server.serving import serve

pytestmark = needs_validator


class Price(pydantic.BaseModel):
    amount: Decimal  # a number or a string in, a string out: two schemas


class Item(pydantic.BaseModel):
    name: str
    price: float
    note: str | None = None

    @pydantic.computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:  # only in the output: two schemas whatever the option says
        return self.name.upper()


class Subscription(pydantic.BaseModel):
    username: str
    monthly_fee: float


def app_of(framework: Any, **options: Any) -> Any:
    make = fastapi.FastAPI if framework is fastapi else squall.App
    return make(title="Shop", **options)


def build(framework: Any, **options: Any) -> Any:
    app = app_of(framework, **options)

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        return item

    @app.put("/prices/{item_id}")
    async def set_price(item_id: int, price: Price) -> Price:
        return price

    return app


@pytest.mark.parametrize("separate", [True, False])
def test_separate_input_output_schemas_as_fastapi(separate: bool) -> None:
    ours = check_valid(build(squall, separate_input_output_schemas=separate).openapi())
    theirs = check_valid(build(fastapi, separate_input_output_schemas=separate).openapi())
    undo_validation_error_difference(theirs)
    undo_malformed_body_difference(ours, [("/items", "post"), ("/prices/{item_id}", "put")])
    for name in ("Item-Input", "Item-Output"):  # Squall writes a None default out
        assert ours["components"]["schemas"][name]["properties"]["note"].pop("default") is None
    assert ours == theirs
    names = sorted(ours["components"]["schemas"])
    price = ["Price-Input", "Price-Output"] if separate else ["Price"]
    assert names == ["HTTPValidationError", "Item-Input", "Item-Output", *price, "ValidationError"]


def with_webhooks(framework: Any) -> Any:
    app = app_of(framework)

    @app.webhooks.post("new-subscription", tags=["billing"])
    async def new_subscription(body: Subscription) -> None:
        """When a new user subscribes, we send you a POST request.

        With the subscription in the body.
        """

    @app.webhooks.put("renewal", include_in_schema=False)
    async def renewal(body: Subscription) -> None: ...

    @app.get("/health")
    async def health() -> str:
        return "ok"

    return app


def test_webhooks_as_fastapi() -> None:
    ours = check_valid(with_webhooks(squall).openapi())
    theirs = check_valid(with_webhooks(fastapi).openapi())
    assert list(ours["webhooks"]) == ["new-subscription"]
    operation = ours["webhooks"]["new-subscription"]["post"]
    assert operation["operationId"] == "new_subscriptionnew_subscription_post"
    assert operation["tags"] == ["billing"]
    undo_validation_error_difference(theirs)
    malformed = operation["responses"].pop("400")  # what Squall answers a malformed body with
    assert malformed["description"] == "Malformed Body"
    del ours["components"]["schemas"]["MalformedBody"]
    assert ours == theirs
    with serve(with_webhooks(squall)) as running:  # described, never routed
        assert httpx.post(running.url + "/new-subscription", timeout=10).status_code == 404


@pytest.mark.parametrize("in_servers", [True, False])
def test_root_path_in_servers_as_fastapi(in_servers: bool) -> None:
    served = []
    for framework in (squall, fastapi):
        app = app_of(framework, root_path_in_servers=in_servers, servers=[{"url": "/other"}])
        with serve(app, root_path="/api") as running:
            answer = httpx.get(running.url + "/openapi.json", timeout=10)
        assert answer.status_code == 200
        served.append(check_valid(answer.json())["servers"])
    ours, theirs = served
    assert ours == theirs
    listed = [{"url": "/api"}, {"url": "/other"}] if in_servers else [{"url": "/other"}]
    assert ours == listed


def test_root_path_in_servers_off_for_the_apps_own_root_path() -> None:
    app = squall.App(root_path="/api", root_path_in_servers=False)
    assert "servers" not in app.openapi()
    assert squall.App(root_path="/api").openapi()["servers"] == [{"url": "/api"}]
