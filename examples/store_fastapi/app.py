"""The store on FastAPI: the routes of examples/store, path for path, with pydantic models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from fastapi import (
    APIRouter,
    Body,
    Cookie,
    Depends,
    FastAPI,
    Form,
    Header,
    Path,
    Query,
    Request,
    Security,
    UploadFile,
    WebSocket,
    WebSocketDisconnect,
)
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    SecurityScopes,
)
from typing_extensions import TypedDict

import squall
from examples.store import auth, models
from examples.store.app import TAGS
from examples.store.catalog import NEW_PRODUCT_EXAMPLES, find_product
from examples.store.customers import EMAIL_PATTERN, Topic
from examples.store.data import STORE, UnknownProduct
from examples.store.models import Category, Customer, OrderStatus
from examples.store.orders import find_order
from examples.store.pages import WELCOME, csv_rows, quote
from examples.store.reviews import Review
from examples.store_fastapi.models import (
    Error,
    Order,
    OrderIn,
    Page,
    Preferences,
    Product,
    ProductIn,
    ProductPatch,
    Stats,
)


class Token(TypedDict):
    access_token: str
    token_type: str


class Subscription(TypedDict):
    email: str
    topics: list[str]


class ImageInfo(TypedDict):
    product_id: int
    filename: str
    content_type: str
    size: int


def builtins(value: Any) -> Any:
    """A Struct of the shared data layer as plain JSON-ready values for a pydantic model."""
    return msgspec.to_builtins(value)


def struct(model: Any, kind: type[Any]) -> Any:
    """A pydantic request body as the shared data layer's Struct."""
    return msgspec.convert(model.model_dump(), kind)


staff_bearer = HTTPBearer(description=auth.STAFF_DESCRIPTION)
admin_api_key = APIKeyHeader(name="X-API-Key", description=auth.ADMIN_DESCRIPTION)
customer_oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes=auth.SCOPES)


def staff_member(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(staff_bearer)],
) -> str:
    return auth.check_staff_token(credentials.credentials)


def admin(key: Annotated[str, Depends(admin_api_key)]) -> None:
    auth.check_admin_key(key)


def current_customer(
    security_scopes: SecurityScopes, token: Annotated[str, Depends(customer_oauth2)]
) -> Customer:
    return auth.customer_with_scopes(token, security_scopes)


StaffMember = Annotated[str, Depends(staff_member)]
ProductId = Annotated[int, Path(ge=1, description="The product's number", examples=[1])]
OrdersCustomer = Annotated[Customer, Security(current_customer, scopes=["orders"])]
NO_DEFAULTS: dict[str, Any] = {"response_model_exclude_defaults": True}

catalog = APIRouter(
    prefix="/products",
    tags=["products"],
    responses={404: {"model": Error, "description": "No such product"}},
)


@catalog.get("", **NO_DEFAULTS)
async def list_products(
    q: Annotated[
        str | None, Query(min_length=2, max_length=40, description="Part of the name")
    ] = None,
    category: Category | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    sort: Literal["name", "price"] = "name",
) -> Page[Product]:
    """Browse the catalogue, a page at a time, optionally searching by name or category."""
    found = STORE.products_matching(q, category)
    found.sort(key=(lambda p: p.price_cents) if sort == "price" else (lambda p: p.name))
    return builtins(models.Page(found[offset : offset + limit], len(found), limit, offset))


@catalog.get("/legacy-search", deprecated=True, summary="Search (old form)", **NO_DEFAULTS)
async def legacy_search(
    name: Annotated[str, Query(min_length=1, deprecated=True, description="Use q on /products")],
) -> list[Product]:
    """Kept for old clients: use ``GET /products?q=`` instead."""
    return builtins(STORE.products_matching(name, None))


@catalog.get("/{product_id}", **NO_DEFAULTS)
async def read_product(product_id: ProductId) -> Product:
    """One product by its number."""
    return builtins(find_product(product_id))


@catalog.post("", status_code=201, summary="Add a product", **NO_DEFAULTS)
async def create_product(
    product: Annotated[ProductIn, Body(openapi_examples=NEW_PRODUCT_EXAMPLES)], staff: StaffMember
) -> Product:
    return builtins(STORE.add_product(struct(product, models.ProductIn)))


@catalog.put("/{product_id}", **NO_DEFAULTS)
async def replace_product(product_id: ProductId, product: ProductIn, staff: StaffMember) -> Product:
    """Replace every field of a product."""
    find_product(product_id)
    return builtins(STORE.replace_product(product_id, struct(product, models.ProductIn)))


@catalog.patch("/{product_id}", **NO_DEFAULTS)
async def update_product(product_id: ProductId, patch: ProductPatch, staff: StaffMember) -> Product:
    """Change some fields of a product."""
    changes = struct(patch, models.ProductPatch)
    return builtins(STORE.patch_product(find_product(product_id), changes))


@catalog.delete("/{product_id}", status_code=204)
async def delete_product(product_id: ProductId, staff: StaffMember) -> None:
    """Take a product out of the catalogue."""
    find_product(product_id)
    del STORE.products[product_id]


@catalog.post("/{product_id}/image", status_code=201)
async def upload_image(product_id: ProductId, image: UploadFile, staff: StaffMember) -> ImageInfo:
    """Upload a picture of the product (multipart/form-data)."""
    find_product(product_id)
    content = await image.read()
    return {
        "product_id": product_id,
        "filename": image.filename or "",
        "content_type": image.content_type or "application/octet-stream",
        "size": len(content),
    }


reviews = APIRouter(
    prefix="/products",
    tags=["reviews"],
    responses={404: {"model": Error, "description": "No such product"}},
)


@reviews.get("/{product_id}/reviews")
async def list_reviews(product_id: ProductId) -> list[Review]:
    """What customers said about a product, oldest first."""
    find_product(product_id)
    return [Review(**review) for review in STORE.reviews.get(product_id, [])]


@reviews.post("/{product_id}/reviews", status_code=201)
async def add_review(product_id: ProductId, review: Review) -> Review:
    find_product(product_id)
    STORE.reviews.setdefault(product_id, []).append(review.model_dump())
    return review


orders = APIRouter(
    prefix="/orders",
    tags=["orders"],
    responses={404: {"model": Error, "description": "No such order"}},
)


@orders.post(
    "",
    status_code=201,
    responses={409: {"model": Error, "description": "A line names an unknown product"}},
)
async def place_order(
    order: OrderIn,
    customer: OrdersCustomer,
    idempotency_key: Annotated[
        str | None, Header(max_length=64, description="Repeat-safe retries")
    ] = None,
) -> Order:
    """Place an order; the payment is a card, a voucher or a bank transfer."""
    try:
        return builtins(STORE.place_order(struct(order, models.OrderIn)))
    except UnknownProduct as unknown:
        raise squall.HTTPException(409, f"No product {unknown.args[0]}") from None


@orders.get("")
async def list_orders(customer: OrdersCustomer, status: OrderStatus | None = None) -> list[Order]:
    """Your orders, optionally only those in one status."""
    return builtins([o for o in STORE.orders.values() if status is None or o.status == status])


@orders.get("/{order_id}")
async def read_order(order_id: int, customer: OrdersCustomer) -> Order:
    return builtins(find_order(order_id))


@orders.post(
    "/{order_id}/cancel",
    operation_id="cancelOrder",
    responses={409: {"model": Error, "description": "The order is past cancelling"}},
)
async def cancel_order(order_id: int, customer: OrdersCustomer) -> Order:
    """Cancel an order that is not paid yet."""
    order = find_order(order_id)
    if order.status != OrderStatus.pending:
        raise squall.HTTPException(409, "Only pending orders can be cancelled")
    return builtins(STORE.cancel_order(order))


customers = APIRouter(tags=["customers"])


@customers.post(
    "/token",
    tags=["auth"],
    summary="Sign in",
    responses={400: {"model": Error, "description": "Wrong username or password"}},
)
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    """The OAuth2 password flow: a form with username and password gives a bearer token."""
    return auth.issue_token(form)


@customers.get("/customers/me")
async def read_me(
    customer: Annotated[Customer, Security(current_customer, scopes=["profile"])],
) -> Customer:
    """The signed-in customer (needs the ``profile`` scope)."""
    return customer


@customers.get("/customers/preferences")
async def read_preferences(
    theme: Annotated[
        Literal["light", "dark"], Cookie(description="Set by the shop's pages")
    ] = "light",
    accept_language: Annotated[str, Header(max_length=100)] = "en",
    lang: Annotated[str | None, Header(deprecated=True, alias="x-lang")] = None,
) -> Preferences:
    """How the shop's pages look for this visitor, from their cookie and headers."""
    language = lang or accept_language.split(",")[0].split(";")[0].strip() or "en"
    return Preferences(theme=theme, language=language)


@customers.post("/customers/newsletter", status_code=201)
async def subscribe(
    email: Annotated[str, Form(pattern=EMAIL_PATTERN, examples=["ann@example.com"])],
    topics: Annotated[list[Topic], Form(min_length=1)],
) -> Subscription:
    """Subscribe an address to some topics (an HTML form can post this)."""
    STORE.subscribers[email] = list(topics)
    return {"email": email, "topics": list(topics)}


back_office = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(admin)])


@back_office.get("/stats")
async def read_stats() -> Stats:
    """How the shop is doing."""
    return builtins(STORE.stats())


@back_office.delete("/orders", status_code=204)
async def purge_orders() -> None:
    """Forget every order (a test shop's reset button)."""
    STORE.orders.clear()


@back_office.get("/debug", include_in_schema=False)
async def debug_dump() -> dict[str, int]:
    """Not in the document: for the shop's own scripts."""
    return {"products": len(STORE.products), "orders": len(STORE.orders)}


pages = APIRouter(tags=["pages"])


@pages.get("/", response_class=HTMLResponse)
async def welcome() -> str:
    """The shop's front page."""
    return WELCOME


@pages.get("/health", response_class=PlainTextResponse, summary="Liveness")
async def health() -> str:
    return "ok"


@pages.get("/exports/products.csv", response_class=StreamingResponse)
async def export_products() -> StreamingResponse:
    """The whole catalogue as CSV, streamed a row at a time."""
    return StreamingResponse(csv_rows(), media_type="text/csv")


@pages.websocket("/ws/quotes")
async def quotes(websocket: WebSocket) -> None:
    """Send a product number, get its price back (not in the OpenAPI document)."""
    await websocket.accept()
    try:
        while True:
            await websocket.send_json(quote(await websocket.receive_text()))
    except WebSocketDisconnect:
        return


app = FastAPI(
    title="Squall store",
    version="1.0.0",
    description="A small shop's API: products, reviews, orders and customers.",
    openapi_tags=TAGS,
    servers=[{"url": "/", "description": "This server"}],
)
for router in (catalog, reviews, orders, customers, back_office, pages):
    app.include_router(router)


@app.webhooks.post("order-cancelled", tags=["orders"])
async def order_cancelled(order: Order) -> None:
    """What the shop sends a partner's URL when an order is cancelled (described, not served:
    the document's ``webhooks``)."""


@app.exception_handler(squall.HTTPException)
async def squall_http_exception(request: Request, exc: squall.HTTPException) -> JSONResponse:
    """The shared checks and lookups raise Squall's HTTPException: answer it as FastAPI would."""
    return JSONResponse({"detail": exc.detail}, exc.status_code, exc.headers)
