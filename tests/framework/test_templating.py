"""Jinja2 templates on Squall's native path and under uvicorn (httpx over real sockets):
rendering with inheritance, autoescaping, ``url_for`` for routes and a named mount, context
processors, status/headers/media type/background, and the old call form's warning."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from squall import App, Request
from squall.staticfiles import StaticFiles
from tests.framework.static_tree import SERVERS, serving

if os.environ.get("CI") != "true":
    pytest.importorskip("jinja2", reason="jinja2 is missing: pip install 'squall[templates]'")

import jinja2

from squall.templating import Jinja2Templates, TemplateResponse

BASE = """<!doctype html><title>{% block title %}{% endblock %}</title>
<main>{% block main %}{% endblock %}</main><footer>{{ site }}</footer>"""
PAGE = """{% extends "base.html" %}{% block title %}Item {{ item_id }}{% endblock %}
{% block main %}<p>{{ note }}</p><a href="{{ url_for('read_item', item_id=item_id + 1) }}">next</a>
<link href="{{ url_for('static', path='/app.css') }}"><i>{{ request.url.path }}</i>{% endblock %}"""


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("templates")
    (root / "pages").mkdir()
    (root / "shared").mkdir()
    (root / "static").mkdir()
    (root / "shared" / "base.html").write_text(BASE)
    (root / "pages" / "item.html").write_text(PAGE)
    (root / "pages" / "note.txt").write_text("{{ request.method }} {{ n }}")
    (root / "static" / "app.css").write_text("body {}")
    return root / "pages", root / "shared"


@pytest.fixture(scope="module")
def templates(folders: tuple[Path, Path]) -> Jinja2Templates:
    return Jinja2Templates(directory=folders, context_processors=[lambda r: {"site": "squall"}])


@pytest.fixture(scope="module", params=SERVERS)
def base(
    request: pytest.FixtureRequest, templates: Jinja2Templates, folders: tuple[Path, Path]
) -> Iterator[tuple[str, list[str]]]:
    app = App()
    done: list[str] = []
    app.mount("/static", StaticFiles(directory=folders[0].parent / "static"), name="static")

    @app.get("/items/{item_id:int}")
    async def read_item(request: Request, item_id: int, note: str = "") -> TemplateResponse:
        return templates.TemplateResponse(request, "item.html", {"item_id": item_id, "note": note})

    @app.get("/note")
    def note(request: Request) -> TemplateResponse:  # a def endpoint, keywords only
        async def background() -> None:
            done.append(threading.current_thread().name)

        return templates.TemplateResponse(
            request=request,
            name="note.txt",
            context={"n": 7},
            status_code=201,
            headers={"x-extra": "1"},
            media_type="text/plain",
            background=background,
        )

    with serving(request.param)(app) as url:
        yield url, done


def test_a_page_with_inheritance_url_for_and_a_context_processor(
    base: tuple[str, list[str]],
) -> None:
    url, _ = base
    response = httpx.get(f"{url}/items/3")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    body = response.text
    assert "<title>Item 3</title>" in body
    assert f'<a href="{url}/items/4">next</a>' in body
    assert f'<link href="{url}/static/app.css">' in body
    assert "<i>/items/3</i>" in body
    assert "<footer>squall</footer>" in body
    assert httpx.get(f"{url}/static/app.css").text == "body {}"  # the URL url_for gave works


def test_values_are_escaped(base: tuple[str, list[str]]) -> None:
    url, _ = base
    body = httpx.get(f"{url}/items/1", params={"note": "<script>alert('x')</script>"}).text
    assert "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>" in body
    assert "<script>" not in body


def test_status_headers_media_type_and_background(base: tuple[str, list[str]]) -> None:
    url, done = base
    before = len(done)
    response = httpx.get(f"{url}/note")
    assert (response.status_code, response.text) == (201, "GET 7")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["x-extra"] == "1"
    assert len(done) == before + 1


def asgi_request(app: App) -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("testserver", 80),
        "path": "/items/5",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    return Request.from_asgi(scope, receive, app=app)


def test_the_response_keeps_template_and_context(templates: Jinja2Templates) -> None:
    app = App()
    app.get("/items/{item_id:int}", name="read_item")(lambda item_id: item_id)
    app.mount("/static", StaticFiles(directory=".", check_dir=False), name="static")
    request = asgi_request(app)
    response = templates.TemplateResponse(request, "item.html", {"item_id": 5, "note": ""})
    assert response.template.name == "item.html"
    assert response.context["request"] is request
    assert response.context["item_id"] == 5 and response.context["site"] == "squall"
    assert b'href="http://testserver/items/6"' in response.body


def test_the_old_call_form_works_with_a_deprecation_warning(templates: Jinja2Templates) -> None:
    app = App()
    app.get("/items/{item_id:int}", name="read_item")(lambda item_id: item_id)
    app.mount("/static", StaticFiles(directory=".", check_dir=False), name="static")
    request = asgi_request(app)
    with pytest.warns(DeprecationWarning, match="TemplateResponse"):
        response = templates.TemplateResponse(
            "item.html", {"request": request, "item_id": 1, "note": ""}, 202
        )
    assert response.status_code == 202 and response.context["request"] is request
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="request"):
        templates.TemplateResponse("item.html", {"item_id": 1})


def test_an_environment_of_ones_own_and_get_template() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"hi.html": "hi {{ who }}"}))
    templates = Jinja2Templates(env=env)
    assert templates.get_template("hi.html").render(who="<b>") == "hi <b>"  # its own escaping
    assert env.globals["url_for"] is not None
    with pytest.raises(ValueError):
        Jinja2Templates(directory="x", env=env)
    with pytest.raises(ValueError):
        Jinja2Templates()
    with pytest.raises(jinja2.TemplateNotFound):
        templates.get_template("missing.html")


def test_url_path_for_a_named_mount() -> None:
    app = App()
    app.mount("/assets", StaticFiles(directory=".", check_dir=False), name="assets")
    assert app.url_path_for("assets", path="/css/site.css") == "/assets/css/site.css"
    assert app.url_path_for("assets", path="img.png") == "/assets/img.png"
