"""What an App says about itself in its OpenAPI schema: kept here, given effect by the schema.

Kept in one object (``app.info``) rather than as attributes of the App itself: the App's
instance attributes stay few, so CPython keeps them in its fast, shared-key layout (more
than 30 would turn every ``self.x`` on the request path into a dict lookup).  ``app.title``
etc. read and write through to it, as FastAPI users expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from squall.router import Router


@dataclass
class AppInfo:
    openapi_schema: dict[str, Any] | None = field(default=None, init=False)  # App.openapi()'s
    title: str = "Squall"
    version: str = "0.1.0"
    description: str = ""
    summary: str | None = None
    terms_of_service: str | None = None
    contact: dict[str, Any] | None = None
    license_info: dict[str, Any] | None = None
    openapi_url: str | None = "/openapi.json"
    docs_url: str | None = "/docs"
    redoc_url: str | None = "/redoc"
    openapi_tags: list[dict[str, Any]] | None = None
    servers: list[dict[str, Any]] = field(default_factory=list)
    # The docs pages (squall/openapi/docs_routes.py).
    swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect"
    swagger_ui_init_oauth: dict[str, Any] | None = None
    swagger_ui_parameters: dict[str, Any] | None = None
    docs_assets_url: str | None = "/docs/assets"  # None: the pages load them from the CDN
    # The AsyncAPI document of the WebSocket routes (squall/asyncapi/).
    asyncapi_url: str | None = "/asyncapi.json"
    # FastAPI's: pydantic models as -Input/-Output where the two differ; the root path as
    # the first server; the webhooks the app sends (described, never routed).
    separate_input_output_schemas: bool = True
    root_path_in_servers: bool = True
    webhooks: Router = field(default_factory=Router)
    asyncapi_servers: dict[str, Any] | None = None  # AsyncAPI Server Objects by name
    asyncapi_schema: dict[str, Any] | None = field(default=None, init=False)  # App.asyncapi()'s


class InfoField:
    """``app.<name>``: the field of the same name in ``app.info``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, app: Any, owner: type | None = None) -> Any:
        if app is None:
            return self
        return getattr(app.info, self.name)

    def __set__(self, app: Any, value: Any) -> None:
        setattr(app.info, self.name, value)


class DescribedApp:
    """An App's OpenAPI settings as its own attributes (``app.title``...), kept in ``app.info``."""

    info: AppInfo
    root_path: str
    openapi_schema = InfoField()  # the document App.openapi() built; set it to serve your own
    title = InfoField()
    version = InfoField()
    description = InfoField()
    summary = InfoField()
    terms_of_service = InfoField()
    contact = InfoField()
    license_info = InfoField()
    openapi_url = InfoField()
    docs_url = InfoField()
    redoc_url = InfoField()
    openapi_tags = InfoField()
    servers = InfoField()
    swagger_ui_oauth2_redirect_url = InfoField()
    swagger_ui_init_oauth = InfoField()
    swagger_ui_parameters = InfoField()
    docs_assets_url = InfoField()
    asyncapi_url = InfoField()
    separate_input_output_schemas = InfoField()
    root_path_in_servers = InfoField()
    webhooks = InfoField()  # a Router: @app.webhooks.post("new-subscription")
    asyncapi_servers = InfoField()
    asyncapi_schema = InfoField()  # the document App.asyncapi() built; set it to serve your own

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, built from the routes on first use and kept."""
        if self.openapi_schema is None:
            from squall.openapi import document  # the generator loads when first asked

            self.openapi_schema = document.app_openapi(self, self.root_path)  # type: ignore[arg-type]
        return self.openapi_schema  # type: ignore[no-any-return]

    def asyncapi(self) -> dict[str, Any]:
        """The AsyncAPI document of the WebSocket routes, built on first use and kept."""
        if self.asyncapi_schema is None:
            from squall.asyncapi import document  # the generator loads when first asked

            self.asyncapi_schema = document.app_asyncapi(self)  # type: ignore[arg-type]
        return self.asyncapi_schema  # type: ignore[no-any-return]
