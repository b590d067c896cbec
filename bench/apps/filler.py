"""1,000 extra routes for the many-routes apps: the same filler for every framework."""

from __future__ import annotations

from typing import Any


def add_filler_routes(app: Any, first: int, last: int) -> None:
    """Two GET routes per number, one static and one with an int parameter."""
    for i in range(first, last):

        async def static_route() -> int:
            return 0

        async def param_route(item_id: int) -> int:
            return item_id

        app.get(f"/static/{i}")(static_route)
        app.get(f"/items{i}/{{item_id}}")(param_route)
