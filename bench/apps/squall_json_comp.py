"""--json-comp on the Squall framework: GET /items (50 items) behind CompressionMiddleware
(``app``) or GZipMiddleware (``gzip_app``, Starlette's settings: level 9)."""

from __future__ import annotations

from bench.apps.share import ITEMS, Item
from squall import App
from squall.middleware import CompressionMiddleware, GZipMiddleware


def items_app(middleware: type) -> App:
    served = App()

    @served.get("/items")
    async def items() -> list[Item]:
        return ITEMS

    served.add_middleware(middleware)
    return served


app = items_app(CompressionMiddleware)
gzip_app = items_app(GZipMiddleware)
