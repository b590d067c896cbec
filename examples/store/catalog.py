"""The catalogue: products to browse (anyone) and to edit (staff, with a bearer token)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from examples.store.auth import StaffMember
from examples.store.data import STORE
from examples.store.models import (
    Category,
    Error,
    ImageInfo,
    Page,
    Product,
    ProductIn,
    ProductPatch,
)
from squall import Body, HTTPException, Path, Query, Router, UploadFile, status

router = Router(
    prefix="/products",
    tags=["products"],
    responses={404: {"model": Error, "description": "No such product"}},
)

NEW_PRODUCT_EXAMPLES = {
    "tool": {
        "summary": "A tool",
        "value": {"name": "Spirit level", "price_cents": 1290, "category": "tools"},
    },
    "tagged": {
        "summary": "With tags",
        "value": {
            "name": "Watering can",
            "price_cents": 990,
            "category": "garden",
            "tags": ["5 l"],
        },
    },
}
ProductId = Annotated[int, Path(ge=1, description="The product's number", examples=[1])]


def find_product(product_id: int) -> Product:
    product = STORE.products.get(product_id)
    if product is None:
        raise HTTPException(404, f"No product {product_id}")
    return product


@router.get("")
async def list_products(
    q: Annotated[
        str | None, Query(min_length=2, max_length=40, description="Part of the name")
    ] = None,
    category: Category | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, msgspec.Meta(ge=0)] = 0,
    sort: Literal["name", "price"] = "name",
) -> Page[Product]:
    """Browse the catalogue, a page at a time, optionally searching by name or category."""
    found = STORE.products_matching(q, category)
    found.sort(key=(lambda p: p.price_cents) if sort == "price" else (lambda p: p.name))
    return Page(found[offset : offset + limit], len(found), limit, offset)


@router.get("/legacy-search", deprecated=True, summary="Search (old form)")
async def legacy_search(
    name: Annotated[str, Query(min_length=1, deprecated=True, description="Use q on /products")],
) -> list[Product]:
    """Kept for old clients: use ``GET /products?q=`` instead."""
    return STORE.products_matching(name, None)


@router.get("/{product_id}")
async def read_product(product_id: ProductId) -> Product:
    """One product by its number."""
    return find_product(product_id)


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a product")
async def create_product(
    product: Annotated[ProductIn, Body(openapi_examples=NEW_PRODUCT_EXAMPLES)], staff: StaffMember
) -> Product:
    return STORE.add_product(product)


@router.put("/{product_id}")
async def replace_product(product_id: ProductId, product: ProductIn, staff: StaffMember) -> Product:
    """Replace every field of a product."""
    find_product(product_id)
    return STORE.replace_product(product_id, product)


@router.patch("/{product_id}")
async def update_product(product_id: ProductId, patch: ProductPatch, staff: StaffMember) -> Product:
    """Change some fields of a product."""
    return STORE.patch_product(find_product(product_id), patch)


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_product(product_id: ProductId, staff: StaffMember) -> None:
    """Take a product out of the catalogue."""
    find_product(product_id)
    del STORE.products[product_id]


@router.post("/{product_id}/image", status_code=status.HTTP_201_CREATED)
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
