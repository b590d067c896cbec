"""Customer reviews of products: the store's one pydantic model (the rest is msgspec)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from examples.store.catalog import ProductId, find_product
from examples.store.data import STORE
from examples.store.models import Error
from squall import Router, status

router = Router(
    prefix="/products",
    tags=["reviews"],
    responses={404: {"model": Error, "description": "No such product"}},
)


class Review(BaseModel):
    """A customer's opinion of a product."""

    rating: int = Field(ge=1, le=5, description="Stars, 1 to 5")
    comment: str = Field(default="", max_length=500, examples=["Sturdy and well balanced."])
    author: Annotated[str, Field(min_length=1, max_length=40)]


@router.get("/{product_id}/reviews")
async def list_reviews(product_id: ProductId) -> list[Review]:
    """What customers said about a product, oldest first."""
    find_product(product_id)
    return [Review(**review) for review in STORE.reviews.get(product_id, [])]


@router.post("/{product_id}/reviews", status_code=status.HTTP_201_CREATED)
async def add_review(product_id: ProductId, review: Review) -> Review:
    find_product(product_id)
    STORE.reviews.setdefault(product_id, []).append(review.model_dump())
    return review
