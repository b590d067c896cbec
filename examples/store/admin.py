"""The staff's back office: every route needs the admin API key (``X-API-Key``)."""

from __future__ import annotations

from examples.store.auth import admin
from examples.store.data import STORE
from examples.store.models import Stats
from squall import Depends, Router, status

router = Router(prefix="/admin", tags=["admin"], dependencies=[Depends(admin)])


@router.get("/stats")
async def read_stats() -> Stats:
    """How the shop is doing."""
    return STORE.stats()


@router.delete("/orders", status_code=status.HTTP_204_NO_CONTENT)
async def purge_orders() -> None:
    """Forget every order (a test shop's reset button)."""
    STORE.orders.clear()


@router.get("/debug", include_in_schema=False)
async def debug_dump() -> dict[str, int]:
    """Not in the document: for the shop's own scripts."""
    return {"products": len(STORE.products), "orders": len(STORE.orders)}
