"""The store's WebSocket routes in its AsyncAPI document, served by Squall's server over a
real socket: the document validates against the official AsyncAPI 3.0.0 schema, and what
the routes really send over a WebSocket (the ``websockets`` library's client) validates
against the payloads the document gives them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from examples.store.app import app
from examples.store.data import STORE
from tests.framework.asyncapi.documents import (
    check_asyncapi,
    check_payload,
    message,
    needs_jsonschema,
)
from tests.server.serving import serve

pytestmark = needs_jsonschema
ALICE = {"Authorization": "Bearer alice-token"}
ORDER = {"lines": [{"product_id": 2, "quantity": 2}], "payment": {"kind": "card", "last4": "4242"}}


@pytest.fixture(scope="module")
def store_url() -> Iterator[str]:
    with serve(app) as running:
        yield running.url


@pytest.fixture(scope="module")
def document(store_url: str) -> dict[str, Any]:
    answer = httpx.get(store_url + "/asyncapi.json", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    return check_asyncapi(answer.json())


def socket(store_url: str, path: str, **options: Any) -> ClientConnection:
    url = store_url.replace("http://", "ws://") + path
    return connect(url, open_timeout=5, close_timeout=5, **options)


def received(websocket: ClientConnection) -> Any:
    return json.loads(websocket.recv(timeout=5))


def test_the_document_describes_both_websocket_routes(
    store_url: str, document: dict[str, Any]
) -> None:
    assert document["info"]["title"] == "Squall store"
    assert {name: c["address"] for name, c in document["channels"].items()} == {
        "follow_order": "/live/orders/{order_id}",
        "quotes": "/ws/quotes",
    }
    follow = document["channels"]["follow_order"]
    assert list(follow["messages"]) == ["Ping", "OrderUpdate", "Pong"]
    assert follow["bindings"]["ws"]["query"]["properties"]["with_total"]["type"] == "boolean"
    assert sorted(document["operations"]) == [
        "follow_order_receive",
        "follow_order_send",
        "quotes_receive",
        "quotes_send",
    ]
    scheme = document["operations"]["follow_order_send"]["security"][0]
    assert (scheme["type"], scheme["scopes"]) == ("oauth2", ["orders"])
    assert message(document, "quotes", "text")["contentType"] == "text/plain"
    assert message(document, "quotes", "Quote")["payload"] == {"$ref": "#/components/schemas/Quote"}
    # One namespace with the OpenAPI document: the same names for the same types.
    openapi_schemas = httpx.get(store_url + "/openapi.json", timeout=10).json()
    assert (
        document["components"]["schemas"]["OrderStatus"]
        == (openapi_schemas["components"]["schemas"]["OrderStatus"])
    )


def test_order_updates_match_the_documented_payloads(
    store_url: str, document: dict[str, Any]
) -> None:
    STORE.reset()
    placed = httpx.post(store_url + "/orders", json=ORDER, headers=ALICE, timeout=10)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    update = message(document, "follow_order", "OrderUpdate")["payload"]
    pong = message(document, "follow_order", "Pong")["payload"]
    ping = message(document, "follow_order", "Ping")["payload"]
    path = f"/live/orders/{order_id}?with_total=true"
    with socket(store_url, path, additional_headers=ALICE) as websocket:
        first = received(websocket)
        assert first == {"type": "order", "order_id": order_id, "status": "pending",
                         "total_cents": 4900}  # fmt: skip
        check_payload(first, update, document)
        sent = {"type": "ping", "nonce": 7}
        check_payload(sent, ping, document)
        websocket.send(json.dumps(sent))
        answer = received(websocket)
        assert answer == {"type": "pong", "nonce": 7}
        check_payload(answer, pong, document)
        with pytest.raises(Exception, match="nonce"):
            check_payload({"type": "pong", "nonce": "seven"}, pong, document)
        cancelled = httpx.post(store_url + f"/orders/{order_id}/cancel", headers=ALICE, timeout=10)
        assert cancelled.status_code == 200
        change = received(websocket)
        assert change["status"] == "cancelled"
        check_payload(change, update, document)


def test_the_handshake_needs_the_documented_security(store_url: str) -> None:
    with pytest.raises(InvalidStatus) as refused, socket(store_url, "/live/orders/1"):
        pass
    assert refused.value.response.status_code in (401, 403)


def test_quotes_match_the_documented_payload(store_url: str, document: dict[str, Any]) -> None:
    STORE.reset()
    quote = message(document, "quotes", "Quote")["payload"]
    with socket(store_url, "/ws/quotes") as websocket:
        for text in ("3", "nothing"):
            websocket.send(text)
            check_payload(received(websocket), quote, document)
