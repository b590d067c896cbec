"""The store example answers as a shop should, and its FastAPI twin answers the same: every
test runs against both (tests/examples/conftest.py), over a real socket on Squall's server.

Error bodies of 422s are left out: their shapes differ on purpose (README, "The framework")."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect

from examples.store.auth import ADMIN_KEY, STAFF_TOKEN

STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
ADMIN = {"X-API-Key": ADMIN_KEY}
NEW_PRODUCT = {"name": "Spade", "price_cents": 2_900, "category": "garden"}
CARD = {"kind": "card", "last4": "4242"}


def customer_headers(store: httpx.Client) -> dict[str, str]:
    form = {"username": "alice", "password": "wonderland", "scope": "profile orders"}
    token = store.post("/token", data=form)
    assert token.status_code == 200, token.text
    assert token.json() == {"access_token": "alice-token", "token_type": "bearer"}
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_the_catalogue_pages_sorts_and_filters(store: httpx.Client) -> None:
    page = store.get("/products", params={"limit": 2, "sort": "price"}).json()
    assert [p["name"] for p in page["items"]] == ["Pruning shears", "Claw hammer"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 0)
    garden = store.get("/products", params={"category": "garden", "q": "ho"}).json()
    assert [p["id"] for p in garden["items"]] == [2]
    assert store.get("/products", params={"limit": 0}).status_code == 422
    assert store.get("/products", params={"offset": -1}).status_code == 422
    assert store.get("/products", params={"category": "toys"}).status_code == 422
    assert store.get("/products/legacy-search", params={"name": "knife"}).json()[0]["id"] == 3


def test_a_product_is_read_without_its_empty_fields(store: httpx.Client) -> None:
    assert store.get("/products/1").json() == {
        "id": 1,
        "name": "Claw hammer",
        "price_cents": 1990,
        "category": "tools",
        "tags": ["steel"],
        "description": "Forged head, ash handle",
    }
    assert store.get("/products/4").json() == {
        "id": 4,
        "name": "Pruning shears",
        "price_cents": 1500,
        "category": "garden",
    }
    missing = store.get("/products/999")
    assert (missing.status_code, missing.json()) == (404, {"detail": "No product 999"})
    assert store.get("/products/0").status_code == 422


def test_staff_edit_the_catalogue_with_a_bearer_token(store: httpx.Client) -> None:
    anonymous = store.post("/products", json=NEW_PRODUCT)
    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": "Not authenticated"})
    assert anonymous.headers["www-authenticate"] == "Bearer"
    wrong = store.post("/products", json=NEW_PRODUCT, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    created = store.post("/products", json=NEW_PRODUCT, headers=STAFF)
    assert created.status_code == 201
    product = created.json()
    assert product == {**NEW_PRODUCT, "id": product["id"]}
    path = f"/products/{product['id']}"
    patched = store.patch(path, json={"price_cents": 3_100}, headers=STAFF)
    assert patched.json() == {**product, "price_cents": 3_100}
    replaced = store.put(path, json={**NEW_PRODUCT, "tags": ["steel"]}, headers=STAFF)
    assert replaced.json()["tags"] == ["steel"]
    assert store.put(path, json={**NEW_PRODUCT, "extra": 1}, headers=STAFF).status_code == 422
    deleted = store.delete(path, headers=STAFF)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert store.get(path).status_code == 404


def test_staff_upload_a_product_image(store: httpx.Client) -> None:
    files = {"image": ("hammer.png", b"\x89PNG" + bytes(100), "image/png")}
    uploaded = store.post("/products/1/image", files=files, headers=STAFF)
    assert uploaded.status_code == 201
    assert uploaded.json() == {
        "product_id": 1,
        "filename": "hammer.png",
        "content_type": "image/png",
        "size": 104,
    }
    assert store.post("/products/999/image", files=files, headers=STAFF).status_code == 404


def test_reviews_are_checked_and_kept(store: httpx.Client) -> None:
    review = {"rating": 5, "comment": "Great", "author": "ann"}
    assert store.post("/products/1/reviews", json={**review, "rating": 6}).status_code == 422
    assert store.post("/products/1/reviews", json=review).status_code == 201
    assert store.get("/products/1/reviews").json() == [review]
    assert store.get("/products/2/reviews").json() == []


def test_customers_place_and_cancel_orders(store: httpx.Client) -> None:
    order = {"lines": [{"product_id": 1, "quantity": 2}], "payment": CARD}
    assert store.post("/orders", json=order).status_code == 401
    headers = customer_headers(store)
    placed = store.post("/orders", json=order, headers=headers)
    assert placed.status_code == 201
    body = placed.json()
    assert (body["status"], body["total_cents"], body["payment"]) == ("pending", 3980, CARD)
    bad_kind = {**order, "payment": {"kind": "cash"}}
    assert store.post("/orders", json=bad_kind, headers=headers).status_code == 422
    unknown = {**order, "lines": [{"product_id": 77, "quantity": 1}]}
    conflict = store.post("/orders", json=unknown, headers=headers)
    assert (conflict.status_code, conflict.json()) == (409, {"detail": "No product 77"})
    assert store.get(f"/orders/{body['id']}", headers=headers).json() == body
    cancelled = store.post(f"/orders/{body['id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    assert store.post(f"/orders/{body['id']}/cancel", headers=headers).status_code == 409
    listed = store.get("/orders", params={"status": "cancelled"}, headers=headers).json()
    assert [o["id"] for o in listed] == [body["id"]]
    assert store.get("/orders/12345", headers=headers).status_code == 404


def test_the_oauth2_flow_and_its_scopes(store: httpx.Client) -> None:
    wrong = store.post("/token", data={"username": "alice", "password": "x"})
    assert (wrong.status_code, wrong.json()) == (400, {"detail": "Incorrect username or password"})
    me = store.get("/customers/me", headers=customer_headers(store))
    assert me.json() == {
        "username": "alice",
        "full_name": "Alice Liddell",
        "scopes": ["profile", "orders"],
    }
    forged = store.get("/customers/me", headers={"Authorization": "Bearer bob-token"})
    assert forged.status_code == 401
    assert store.get("/customers/me").headers["www-authenticate"] == "Bearer"


def test_preferences_come_from_cookie_and_headers(store: httpx.Client) -> None:
    assert store.get("/customers/preferences").json() == {"theme": "light", "language": "en"}
    store.cookies.set("theme", "dark")
    chosen = store.get("/customers/preferences", headers={"Accept-Language": "fr;q=0.9, en"})
    assert chosen.json() == {"theme": "dark", "language": "fr"}
    overridden = store.get("/customers/preferences", headers={"X-Lang": "de"})
    assert overridden.json()["language"] == "de"
    store.cookies.set("theme", "pink")
    assert store.get("/customers/preferences").status_code == 422


def test_the_newsletter_takes_a_form(store: httpx.Client) -> None:
    form = {"email": "ann@example.com", "topics": ["offers", "garden-tips"]}
    subscribed = store.post("/customers/newsletter", data=form)
    assert (subscribed.status_code, subscribed.json()) == (201, form)
    bad_topic = store.post("/customers/newsletter", data={**form, "topics": ["spam"]})
    assert bad_topic.status_code == 422
    bad_email = store.post("/customers/newsletter", data={**form, "email": "ann"})
    assert bad_email.status_code == 422
    spaced = store.post("/customers/newsletter", data={**form, "email": "ann @example.com"})
    assert spaced.status_code == 422
    no_topics = store.post("/customers/newsletter", data={"email": "ann@example.com"})
    assert no_topics.status_code == 422  # documented: at least one (a form can't send none)


def test_the_back_office_needs_the_api_key(store: httpx.Client) -> None:
    anonymous = store.get("/admin/stats")
    assert (anonymous.status_code, anonymous.headers["www-authenticate"]) == (401, "APIKey")
    assert store.get("/admin/stats", headers={"X-API-Key": "guess"}).status_code == 403
    stats = store.get("/admin/stats", headers=ADMIN).json()
    assert stats == {"productCount": 4, "orderCount": 0, "revenueCents": 0}
    purged = store.delete("/admin/orders", headers=ADMIN)
    assert (purged.status_code, purged.content) == (204, b"")
    assert store.get("/admin/debug", headers=ADMIN).json() == {"products": 4, "orders": 0}


def test_pages_html_text_and_csv(store: httpx.Client) -> None:
    front = store.get("/")
    assert front.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Squall store</h1>" in front.text
    health = store.get("/health")
    assert (health.headers["content-type"], health.text) == ("text/plain; charset=utf-8", "ok")
    csv = store.get("/exports/products.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "id,name,price_cents,category"
    assert lines[1:3] == ["1,Claw hammer,1990,tools", "2,Garden hose,2450,garden"]


def test_the_quotes_websocket_answers_prices(store: httpx.Client) -> None:
    url = str(store.base_url).replace("http://", "ws://") + "/ws/quotes"
    with connect(url, open_timeout=5, close_timeout=5) as websocket:
        websocket.send("3")
        assert json.loads(websocket.recv(timeout=5)) == {"product": "3", "price_cents": 5900}
        websocket.send("nothing")
        assert json.loads(websocket.recv(timeout=5)) == {"product": "nothing", "price_cents": None}
