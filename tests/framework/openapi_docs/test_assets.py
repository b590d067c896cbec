"""The docs pages' assets served by the app from the ``squall[docs]`` extra, and the CDN
fallback when the extra is missing; over real sockets with httpx, on Squall's server (native
path) and on uvicorn (ASGI path)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from squall.openapi import assets
from squall.openapi.assets import CDN, PACKAGE, find_packaged_assets
from tests.framework.openapi_docs.store import docs_app

_MISSING = find_packaged_assets() is None
requires_docs_extra = pytest.mark.skipif(
    _MISSING and os.environ.get("CI") != "true",
    reason="the squall[docs] extra (drf-spectacular-sidecar) is not installed",
)

TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "redoc.standalone.js": "text/javascript",
}


@pytest.fixture
def extra_missing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if drf-spectacular-sidecar were not installed (None in sys.modules: not found)."""
    find_packaged_assets.cache_clear()
    monkeypatch.setitem(sys.modules, PACKAGE, None)
    yield
    find_packaged_assets.cache_clear()


@requires_docs_extra
def test_the_extra_ships_every_asset() -> None:
    packaged = find_packaged_assets()
    assert packaged is not None, "CI=true: the docs extra must be installed (the dev extra)"
    assert sorted(packaged.files) == sorted(TYPES)
    assert all(path.stat().st_size > 0 for path in packaged.files.values())


@requires_docs_extra
def test_each_asset_is_served_with_its_type_and_cache_headers(
    serve_app: Callable[[Any], Any],
) -> None:
    packaged = find_packaged_assets()
    assert packaged is not None
    with serve_app(docs_app()) as url, httpx.Client(base_url=url) as client:
        for name, media_type in TYPES.items():
            for accept in ("gzip", "identity"):
                response = client.get(
                    f"/docs/assets/{name}",
                    params={"v": packaged.version},
                    headers={"accept-encoding": accept},
                )
                assert response.status_code == 200, name
                assert response.headers["content-type"].split(";")[0] == media_type
                assert response.content == packaged.files[name].read_bytes()  # decoded
                assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
                assert response.headers["vary"] == "accept-encoding"
                assert response.headers["etag"]
                assert response.headers.get("content-encoding", "identity") == accept
            assert response.headers["last-modified"]  # the file as it is: sendfile


@requires_docs_extra
def test_a_known_etag_gets_304_and_no_body(serve_app: Callable[[Any], Any]) -> None:
    with serve_app(docs_app()) as url, httpx.Client(base_url=url) as client:
        first = client.get("/docs/assets/swagger-ui.css")
        again = client.get(
            "/docs/assets/swagger-ui.css", headers={"if-none-match": first.headers["etag"]}
        )
        stale = client.get("/docs/assets/swagger-ui.css", headers={"if-none-match": '"other"'})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert stale.status_code == 200 and stale.content == first.content


@requires_docs_extra
@pytest.mark.parametrize(
    "name",
    [
        "LICENSE",
        "swagger-ui-bundle.js.map",
        "..%2f..%2f__init__.py",
        "%2e%2e",
        "oauth2-redirect.js",
    ],
)
def test_only_the_known_assets_are_served(name: str, serve_app: Callable[[Any], Any]) -> None:
    with serve_app(docs_app()) as url:
        response = httpx.get(f"{url}/docs/assets/{name}")
    assert response.status_code == 404


@requires_docs_extra
def test_the_pages_load_the_assets_from_the_app() -> None:
    packaged = find_packaged_assets()
    assert packaged is not None
    urls = packaged.urls("/root/docs/assets")
    assert urls.swagger_js == f"/root/docs/assets/swagger-ui-bundle.js?v={packaged.version}"
    assert urls.redoc_js == f"/root/docs/assets/redoc.standalone.js?v={packaged.version}"


def test_without_the_extra_the_pages_load_pinned_cdn_copies(
    extra_missing: None, serve_app: Callable[[Any], Any]
) -> None:
    assert find_packaged_assets() is None
    with serve_app(docs_app()) as url, httpx.Client(base_url=url) as client:
        swagger, redoc = client.get("/docs").text, client.get("/redoc").text
        asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert f'<script src="{CDN.swagger_js}">' in swagger
    assert f'href="{CDN.swagger_css}"' in swagger
    assert f'<script src="{CDN.redoc_js}">' in redoc
    assert "/docs/assets/" not in swagger + redoc
    assert asset.status_code == 404


def test_the_cdn_copies_are_pinned() -> None:
    for url in (CDN.swagger_js, CDN.swagger_css, CDN.swagger_favicon, CDN.redoc_js):
        assert url.startswith("https://cdn.jsdelivr.net/npm/")
        package = url.removeprefix("https://cdn.jsdelivr.net/npm/").split("/")[0]
        name, _, version = package.rpartition("@")
        assert name in ("swagger-ui-dist", "redoc")
        assert version.count(".") == 2 and version.replace(".", "").isdigit(), url


@requires_docs_extra
def test_files_missing_from_the_package_count_as_no_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """A package of that name without the files (another version's layout): the CDN."""
    find_packaged_assets.cache_clear()
    monkeypatch.setitem(assets.PACKAGED_FILES, "swagger-ui.css", "static/not-there.css")
    try:
        assert find_packaged_assets() is None
    finally:
        find_packaged_assets.cache_clear()
