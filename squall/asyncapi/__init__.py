"""AsyncAPI 3.0: the document describing an App's WebSocket routes (``App.asyncapi()``),
served at ``App(asyncapi_url=...)``.  See squall/asyncapi/document.py."""

from squall.asyncapi.document import ASYNCAPI_VERSION, app_asyncapi, get_asyncapi

__all__ = ["ASYNCAPI_VERSION", "app_asyncapi", "get_asyncapi"]
