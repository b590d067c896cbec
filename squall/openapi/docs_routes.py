"""The docs routes of an App: Swagger UI, its OAuth2 redirect page, ReDoc, and their assets.

``add_docs_routes(app)`` runs once, when the App is made (as FastAPI's ``setup()`` does): the
URLs given to ``App(...)`` decide which routes exist.  What the pages show is read from the
App on each page request (title, openapi_url, swagger_ui_parameters, swagger_ui_init_oauth),
so changing those later takes effect; changing ``app.docs_url`` later does not move a route.

None of these routes is in the schema, and none takes the App's own ``dependencies`` (an
app-wide auth dependency must not lock the docs page that lets a user log in).  Behind a
proxy prefix (``root_path``) the pages ask for the document and the assets under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from squall.exceptions import HTTPException
from squall.openapi.assets import CDN, AssetURLs, find_packaged_assets
from squall.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from squall.requests import Request
from squall.responses import Response
from squall.router import Declaration, Endpoint

if TYPE_CHECKING:
    from squall.app import App

__all__ = ["add_docs_routes"]

# The asset URLs carry the package's version (?v=...): a new version is a new URL.
ASSET_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"


def add_docs_routes(app: App) -> None:
    """Add the routes the App's docs_url, redoc_url, swagger_ui_oauth2_redirect_url and
    docs_assets_url ask for (none without an openapi_url: the pages would have nothing to
    show)."""
    info = app.info
    if info.openapi_url is None:
        return
    if info.docs_url is not None:
        _add_get(app, info.docs_url, _swagger_ui_page(app), "swagger_ui_html")
        if info.swagger_ui_oauth2_redirect_url is not None:
            _add_get(
                app, info.swagger_ui_oauth2_redirect_url, _oauth2_redirect, "swagger_ui_redirect"
            )
    if info.redoc_url is not None:
        _add_get(app, info.redoc_url, _redoc_page(app), "redoc_html")
    has_page = info.docs_url is not None or info.redoc_url is not None
    if info.docs_assets_url is not None and has_page:
        _add_get(app, info.docs_assets_url + "/{name}", _serve_asset, "docs_assets")


def _add_get(app: App, path: str, endpoint: Endpoint, name: str) -> None:
    """A GET route outside the schema, without the App's dependencies (Declaration made
    here rather than by app.get, which adds them)."""
    app.add(
        Declaration(
            path,
            ("GET",),
            endpoint,
            response_model=None,
            name=name,
            include_in_schema=False,
        )
    )


def asset_urls(app: App, root_path: str) -> AssetURLs:
    """Where a page of ``app`` loads its assets: from the app when the ``squall[docs]`` extra
    is installed and ``docs_assets_url`` is set, else from the CDN."""
    packaged = find_packaged_assets()
    if packaged is None or app.info.docs_assets_url is None:
        return CDN
    return packaged.urls(root_path + app.info.docs_assets_url)


def _document_url(app: App, root_path: str) -> str:
    """Where the page finds the document; 404 once ``app.openapi_url`` was set to None."""
    if app.info.openapi_url is None:
        raise HTTPException(404)
    return root_path + app.info.openapi_url


def _swagger_ui_page(app: App) -> Endpoint:
    async def swagger_ui_html(request: Request) -> Response:
        info = app.info
        root = app._root_of(request)
        assets = asset_urls(app, root)
        redirect = info.swagger_ui_oauth2_redirect_url
        return get_swagger_ui_html(
            openapi_url=_document_url(app, root),
            title=f"{info.title} - Swagger UI",
            swagger_js_url=assets.swagger_js,
            swagger_css_url=assets.swagger_css,
            swagger_favicon_url=assets.swagger_favicon,
            oauth2_redirect_url=None if redirect is None else root + redirect,
            init_oauth=info.swagger_ui_init_oauth,
            swagger_ui_parameters=info.swagger_ui_parameters,
        )

    return swagger_ui_html


def _redoc_page(app: App) -> Endpoint:
    async def redoc_html(request: Request) -> Response:
        info = app.info
        root = app._root_of(request)
        assets = asset_urls(app, root)
        return get_redoc_html(
            openapi_url=_document_url(app, root),
            title=f"{info.title} - ReDoc",
            redoc_js_url=assets.redoc_js,
            redoc_favicon_url=assets.swagger_favicon,
        )

    return redoc_html


async def _oauth2_redirect() -> Response:
    return get_swagger_ui_oauth2_redirect_html()


async def _serve_asset(name: str, request: Request) -> Response:
    """One file of the extra, by its name (only the known names: no path is ever built from
    the request), compressed when the request accepts it (squall.openapi.asset_encodings),
    else as it is with sendfile; with an ETag (304 on a match) either way."""
    from squall.file_response import FileResponse, guess_media_type
    from squall.openapi.asset_encodings import coding_for, encoded

    packaged = find_packaged_assets()
    path = None if packaged is None else packaged.files.get(name)
    if path is None:
        raise HTTPException(404)
    headers = {"cache-control": ASSET_CACHE_CONTROL, "vary": "accept-encoding"}
    coding = coding_for(request.headers.get("accept-encoding", ""))
    if coding is None:
        return FileResponse(path, headers=headers)
    copy = await encoded(path, coding)
    headers["etag"] = copy.etag
    if copy.matches(request.headers.get("if-none-match", "")):
        return Response(b"", 304, headers)
    headers["content-encoding"] = coding
    return Response(copy.body, headers=headers, media_type=guess_media_type(name))
