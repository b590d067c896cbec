"""The store's App: its routers, its tags (with descriptions, in the docs' order) and info.

``squall examples.store.app:app``, then http://127.0.0.1:8000/docs.
"""

from __future__ import annotations

from examples.store import admin, catalog, customers, live, orders, pages, reviews
from examples.store.models import Order
from squall import App

TAGS = [
    {"name": "products", "description": "The catalogue: browse it, or edit it as staff."},
    {"name": "reviews", "description": "What customers think of the products."},
    {"name": "orders", "description": "Placing and following orders (OAuth2, scope `orders`)."},
    {"name": "customers", "description": "Profile, preferences and the newsletter."},
    {"name": "auth", "description": "Getting an OAuth2 token."},
    {"name": "admin", "description": "The back office (API key in `X-API-Key`)."},
    {"name": "pages", "description": "HTML, text and CSV for people and scripts."},
]

app = App(
    title="Squall store",
    version="1.0.0",
    description="A small shop's API: products, reviews, orders and customers.",
    openapi_tags=TAGS,
    servers=[{"url": "/", "description": "This server"}],
)
for module in (catalog, reviews, orders, live, customers, admin, pages):
    app.include_router(module.router)


@app.webhooks.post("order-cancelled", tags=["orders"])
async def order_cancelled(order: Order) -> None:
    """What the shop sends a partner's URL when an order is cancelled (described, not served:
    the document's ``webhooks``)."""
