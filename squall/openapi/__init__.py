"""OpenAPI 3.1: the document generated from an App's routes (``App.openapi()``), served at
``App(openapi_url=...)``.  See squall/openapi/document.py."""

from squall.openapi.document import OPENAPI_VERSION, app_openapi, get_openapi
from squall.openapi.serving import add_openapi_route

__all__ = ["OPENAPI_VERSION", "add_openapi_route", "app_openapi", "get_openapi"]
