"""A real browser submits a real multipart form: headless Chromium loads a page with a
``<form enctype="multipart/form-data">`` (text inputs, a repeated name, a 2 MiB file put in
its file input), submits it, and shows the JSON the form model endpoint answered.  On
Squall's server (native path) and under uvicorn (plain ASGI)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Annotated, Any

import msgspec
import pytest

from squall import App, Form, HTMLResponse, UploadFile
from tests.chromium import DevTools, chromium
from tests.framework.static_tree import SERVERS, serving

FILE_SIZE = 2 * 1024 * 1024  # past the 1 MiB spool: it goes to disk

PAGE = f"""<!doctype html>
<meta charset="utf-8">
<title>upload</title>
<form id="form" method="post" action="/submit" enctype="multipart/form-data">
  <input name="title" value="héllo ☃">
  <input name="tags" value="a"><input name="tags" value="b">
  <input type="file" name="attachment">
</form>
<script>
const bytes = new Uint8Array({FILE_SIZE}).map((_, i) => i % 251);
const chosen = new DataTransfer();
chosen.items.add(new File([bytes], "photo.bin", {{type: "application/x-test"}}));
document.querySelector("input[type=file]").files = chosen.files;
</script>
"""

EXPECTED_SHA = hashlib.sha256(bytes(i % 251 for i in range(FILE_SIZE))).hexdigest()


class Submitted(msgspec.Struct):
    title: str
    tags: list[str]
    attachment: UploadFile


def browser_app() -> App:
    app = App()

    @app.get("/")
    async def page() -> HTMLResponse:
        return HTMLResponse(PAGE)

    @app.post("/submit")
    async def submit(form: Annotated[Submitted, Form()]) -> dict[str, Any]:
        data = await form.attachment.read()
        return {
            "title": form.title,
            "tags": form.tags,
            "filename": form.attachment.filename,
            "type": form.attachment.content_type,
            "size": form.attachment.size,
            "sha": hashlib.sha256(data).hexdigest(),
        }

    return app


@pytest.fixture(params=SERVERS)
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    with serving(request.param)(browser_app()) as url:
        yield url


def evaluate(devtools: DevTools, expression: str) -> Any:
    return devtools.command("Runtime.evaluate", expression=expression, returnByValue=True)[
        "result"
    ].get("value")


def test_chromium_submits_a_multipart_form_with_a_file(base: str) -> None:
    with chromium() as devtools:
        devtools.command("Page.enable")
        devtools.command("Page.navigate", url=base + "/")
        devtools.wait_for_event("Page.loadEventFired")
        evaluate(devtools, "document.getElementById('form').submit()")
        devtools.wait_for_event("Page.loadEventFired")
        shown = evaluate(devtools, "document.body.innerText")
    assert json.loads(shown) == {
        "title": "héllo ☃",
        "tags": ["a", "b"],
        "filename": "photo.bin",
        "type": "application/x-test",
        "size": FILE_SIZE,
        "sha": EXPECTED_SHA,
    }
