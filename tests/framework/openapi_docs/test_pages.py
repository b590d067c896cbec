"""The docs pages' HTML (URLs, Swagger UI parameters, escaping) from the functions, and the
App's docs routes over real sockets with httpx, on Squall's server and on uvicorn: which
routes exist for which App options, root paths, and that they stay out of the schema and
out of the App's dependencies."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from squall import App, Depends, HTMLResponse, HTTPException
from squall.openapi.assets import CDN, find_packaged_assets
from squall.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
    script_json,
)
from tests.framework.conftest import serve_with_uvicorn
from tests.framework.openapi_docs.store import docs_app
from tests.framework.openapi_docs.test_assets import requires_docs_extra
from tests.server.serving import serve

ROUTE_NAMES = {
    "/docs": "swagger_ui_html",
    "/docs/oauth2-redirect": "swagger_ui_redirect",
    "/redoc": "redoc_html",
    "/docs/assets/{name}": "docs_assets",
}


def swagger_config(page: str) -> dict[str, Any]:
    """The configuration object a Swagger UI page passes to SwaggerUIBundle."""
    found = re.search(r"var config = (.*);\n", page)
    assert found is not None, page
    return dict(json.loads(found.group(1)))


def swagger_oauth(page: str) -> Any:
    found = re.search(r"var oauth = (.*);\n", page)
    assert found is not None, page
    return json.loads(found.group(1))


def page_of(response: Any) -> str:
    return bytes(response.body).decode()


def test_swagger_ui_html_loads_what_it_is_given() -> None:
    response = get_swagger_ui_html(
        openapi_url="/v1/openapi.json",
        title="Store",
        swagger_js_url="/s/ui.js",
        swagger_css_url="/s/ui.css",
        swagger_favicon_url="/s/icon.png",
        oauth2_redirect_url="/v1/docs/oauth2-redirect",
    )
    page = page_of(response)
    assert isinstance(response, HTMLResponse)
    assert "<title>Store</title>" in page
    assert '<script src="/s/ui.js"></script>' in page
    assert '<link rel="stylesheet" href="/s/ui.css">' in page
    assert '<link rel="icon" href="/s/icon.png">' in page
    config = swagger_config(page)
    assert config["url"] == "/v1/openapi.json"
    assert config["oauth2RedirectUrl"] == "/v1/docs/oauth2-redirect"
    assert swagger_oauth(page) is None


def test_swagger_ui_parameters_go_over_the_defaults() -> None:
    page = page_of(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="t",
            swagger_ui_parameters={"deepLinking": False, "docExpansion": "none"},
            init_oauth={"clientId": "docs", "usePkceWithAuthorizationCodeGrant": True},
        )
    )
    config = swagger_config(page)
    assert config == {
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": False,
        "showExtensions": True,
        "showCommonExtensions": True,
        "docExpansion": "none",
        "url": "/openapi.json",
    }
    assert swagger_oauth(page) == {"clientId": "docs", "usePkceWithAuthorizationCodeGrant": True}


def test_the_defaults_are_the_pinned_cdn_copies() -> None:
    swagger = page_of(get_swagger_ui_html(openapi_url="/openapi.json", title="t"))
    redoc = page_of(get_redoc_html(openapi_url="/openapi.json", title="t"))
    assert f'<script src="{CDN.swagger_js}">' in swagger
    assert f'href="{CDN.swagger_css}"' in swagger
    assert f'<script src="{CDN.redoc_js}">' in redoc


HOSTILE = "</script><script>alert(1)</script><!-- \u2028 & '\""


def test_values_in_the_script_cannot_end_it() -> None:
    page = page_of(
        get_swagger_ui_html(
            openapi_url="/openapi.json?x=" + HOSTILE,
            title=HOSTILE,
            swagger_ui_parameters={"filter": HOSTILE},
            init_oauth={"appName": HOSTILE},
        )
    )
    assert page.count("<script") == 2 and page.count("</script>") == 2
    script = page[page.index("<script>") : page.rindex("</script>")]
    assert "<!--" not in page and "\u2028" not in script
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- " in page
    config = swagger_config(page)
    assert config["filter"] == HOSTILE and config["url"] == "/openapi.json?x=" + HOSTILE
    assert swagger_oauth(page) == {"appName": HOSTILE}


def test_script_json_is_json_that_html_cannot_break() -> None:
    value = {"a": HOSTILE, "b": [1, None, True], "c": "é"}
    text = script_json(value)
    assert json.loads(text) == value
    assert not set("<>&\u2028\u2029") & set(text)


def test_urls_in_attributes_are_escaped() -> None:
    page = page_of(get_redoc_html(openapi_url='/o.json"><script>x()</script>', title="t"))
    assert '<redoc spec-url="/o.json&quot;&gt;&lt;script&gt;x()&lt;/script&gt;">' in page


def test_redoc_html_uses_no_google_fonts_unless_asked() -> None:
    offline = page_of(
        get_redoc_html(openapi_url="/openapi.json", title="Store", redoc_js_url="/r.js")
    )
    fonts = page_of(
        get_redoc_html(openapi_url="/openapi.json", title="Store", with_google_fonts=True)
    )
    assert '<redoc spec-url="/openapi.json"></redoc>' in offline
    assert '<script src="/r.js"></script>' in offline
    assert "fonts.googleapis.com" not in offline and "fonts.googleapis.com" in fonts


def test_the_oauth2_redirect_html_hands_over_to_the_opener() -> None:
    response = get_swagger_ui_oauth2_redirect_html()
    page = page_of(response)
    assert isinstance(response, HTMLResponse)
    assert "window.opener.swaggerUIRedirectOauth2" in page
    assert "window.close()" in page


def test_the_docs_routes_are_named_and_outside_the_schema() -> None:
    app = docs_app()
    docs = {
        route.path: route.declaration
        for route in app.routes
        if route.path in ROUTE_NAMES and route.declaration is not None
    }
    assert {path: d.name for path, d in docs.items()} == ROUTE_NAMES
    assert not any(declaration.include_in_schema for declaration in docs.values())
    assert app.url_path_for("swagger_ui_html") == "/docs"


@requires_docs_extra
def test_the_pages_name_the_document_and_the_app_s_assets(serve_app: Callable[[Any], Any]) -> None:
    packaged = find_packaged_assets()
    assert packaged is not None
    with serve_app(docs_app()) as url, httpx.Client(base_url=url) as client:
        swagger, redoc = client.get("/docs"), client.get("/redoc")
        redirect = client.get("/docs/oauth2-redirect")
    assert swagger.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Docs test store - Swagger UI</title>" in swagger.text
    assert f'<script src="/docs/assets/swagger-ui-bundle.js?v={packaged.version}">' in swagger.text
    assert swagger_config(swagger.text)["url"] == "/openapi.json"
    assert swagger_config(swagger.text)["oauth2RedirectUrl"] == "/docs/oauth2-redirect"
    assert '<redoc spec-url="/openapi.json">' in redoc.text
    assert f'<script src="/docs/assets/redoc.standalone.js?v={packaged.version}">' in redoc.text
    assert "swaggerUIRedirectOauth2" in redirect.text


@requires_docs_extra
@pytest.mark.parametrize("server", ["squall-native", "uvicorn-asgi"])
def test_behind_a_proxy_prefix_the_pages_ask_under_it(server: str) -> None:
    """The proxy strips /proxy and the server is told (root_path): the pages' URLs keep it,
    and what they name is served there."""
    serving = serve if server == "squall-native" else serve_with_uvicorn
    with serving(docs_app(), root_path="/proxy") as running:
        url = running if isinstance(running, str) else running.url
        with httpx.Client(base_url=url) as client:
            page = client.get("/docs").text
            redoc = client.get("/redoc").text
            config = swagger_config(page)
            assert config["url"] == "/proxy/openapi.json"
            assert config["oauth2RedirectUrl"] == "/proxy/docs/oauth2-redirect"
            assert '<redoc spec-url="/proxy/openapi.json">' in redoc
            script = re.search(r'<script src="/proxy(/docs/assets/[^"]+)">', page)
            assert script is not None, page
            assert client.get(script.group(1)).status_code == 200
            assert client.get("/openapi.json").json()["openapi"] == "3.1.0"


@requires_docs_extra
def test_with_an_app_root_path_the_pages_ask_under_it(serve_app: Callable[[Any], Any]) -> None:
    with serve_app(docs_app(root_path="/api")) as url, httpx.Client(base_url=url) as client:
        page = client.get("/api/docs").text
        assert swagger_config(page)["url"] == "/api/openapi.json"
        assert client.get("/api/openapi.json").status_code == 200
        script = re.search(r'<script src="(/api/docs/assets/[^"]+)">', page)
        assert script is not None and client.get(script.group(1)).status_code == 200


OPTIONS = [
    ({}, {"/docs", "/docs/oauth2-redirect", "/redoc", "/docs/assets/x.js"}),
    ({"docs_url": None}, {"/redoc", "/docs/assets/x.js"}),
    ({"redoc_url": None}, {"/docs", "/docs/oauth2-redirect", "/docs/assets/x.js"}),
    ({"docs_url": None, "redoc_url": None}, set()),
    ({"openapi_url": None}, set()),
    ({"swagger_ui_oauth2_redirect_url": None}, {"/docs", "/redoc", "/docs/assets/x.js"}),
    ({"docs_assets_url": None}, {"/docs", "/docs/oauth2-redirect", "/redoc"}),
    (
        {"docs_url": "/ui", "redoc_url": "/ref", "swagger_ui_oauth2_redirect_url": "/ui/back"},
        {"/ui", "/ui/back", "/ref", "/docs/assets/x.js"},
    ),
]


@pytest.mark.parametrize(("options", "routes"), OPTIONS)
def test_the_app_options_decide_the_routes(options: dict[str, Any], routes: set[str]) -> None:
    app = docs_app(**options)
    paths = {route.path.replace("{name}", "x.js") for route in app.routes}
    every = {"/docs", "/docs/oauth2-redirect", "/redoc", "/docs/assets/x.js", "/ui", "/ref"}
    assert paths & (every | {"/ui/back"}) == routes


def test_without_docs_assets_url_the_pages_use_the_cdn(serve_app: Callable[[Any], Any]) -> None:
    with serve_app(docs_app(docs_assets_url=None)) as url:
        page = httpx.get(url + "/docs").text
    assert f'<script src="{CDN.swagger_js}">' in page


def test_the_pages_follow_the_app_s_settings_when_served(serve_app: Callable[[Any], Any]) -> None:
    app = docs_app(swagger_ui_parameters={"docExpansion": "none"})
    app.title = "Renamed"
    app.swagger_ui_init_oauth = {"clientId": "late"}
    with serve_app(app) as url:
        page = httpx.get(url + "/docs").text
    assert "<title>Renamed - Swagger UI</title>" in page
    assert swagger_config(page)["docExpansion"] == "none"
    assert swagger_oauth(page) == {"clientId": "late"}


def test_the_app_s_dependencies_do_not_lock_the_docs(serve_app: Callable[[Any], Any]) -> None:
    async def members_only() -> None:
        raise HTTPException(401)

    app = App(dependencies=[Depends(members_only)])

    @app.get("/private")
    async def private() -> str:
        return "secret"

    with serve_app(app) as url, httpx.Client(base_url=url) as client:
        assert client.get("/private").status_code == 401
        assert client.get("/docs").status_code == 200
        assert client.get("/redoc").status_code == 200
        assert client.get("/docs/oauth2-redirect").status_code == 200
