"""A real browser against the framework's toolbox, on Squall's native path and under uvicorn:
headless Chromium (``tests/chromium.py``) loads pages whose scripts

- open an ``EventSource``: three events with ids, then the server ends the stream; the
  browser reconnects by itself with ``Last-Event-ID: 3`` (the endpoint sees it) and gets
  the next three;
- submit a multipart form with a file input through ``fetch(new FormData(form))`` to an
  endpoint taking ``Form()`` and ``File()``/``UploadFile`` parameters.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import pytest

from squall import App, File, Form, HTMLResponse, UploadFile
from squall.sse import EventSourceResponse, LastEventId, ServerSentEvent
from tests.chromium import DevTools, chromium
from tests.framework.static_tree import SERVERS, serving

EVENT_PAGE = """<!doctype html>
<title>events</title>
<script>
window.result = new Promise((resolve, reject) => {
  const source = new EventSource("/events");
  const seen = [];
  source.addEventListener("tick", (event) => {
    seen.push([event.lastEventId, event.data]);
    if (seen.length === 6) { source.close(); resolve(seen); }
  });
  setTimeout(() => { source.close(); reject(new Error("only " + JSON.stringify(seen))); }, 10000);
});
</script>
"""

FORM_PAGE = """<!doctype html>
<title>upload</title>
<form id="form" action="/upload" method="post" enctype="multipart/form-data">
  <input name="title"><input name="tags"><input name="tags"><input type="file" name="upload">
</form>
<script>
window.result = (async () => {
  const form = document.getElementById("form");
  form.elements.title.value = "Résumé <draft>";
  form.elements.tags[0].value = "a";
  form.elements.tags[1].value = "b";
  const bytes = new Uint8Array(300000).map((_, i) => (i * 7) % 256);
  const files = new DataTransfer();
  files.items.add(new File([bytes], "naïve data.bin", {type: "application/x-custom"}));
  form.elements.upload.files = files.files;
  const response = await fetch(form.action, {method: "POST", body: new FormData(form)});
  return {status: response.status, body: await response.json()};
})();
</script>
"""


class Seen:
    def __init__(self) -> None:
        self.last_event_ids: list[str | None] = []
        self.lock = threading.Lock()


def toolbox_app(seen: Seen) -> App:
    app = App()

    @app.get("/events-page")
    async def events_page() -> HTMLResponse:
        return HTMLResponse(EVENT_PAGE)

    @app.get("/events")
    async def events(last_event_id: LastEventId = None) -> EventSourceResponse:
        with seen.lock:
            seen.last_event_ids.append(last_event_id)
        first = int(last_event_id or 0) + 1

        async def three() -> AsyncIterator[ServerSentEvent]:
            for number in range(first, first + 3):
                yield ServerSentEvent(f"n{number}", event="tick", id=str(number), retry=50)

        return EventSourceResponse(three())  # it ends: the browser reconnects

    @app.get("/form-page")
    async def form_page() -> HTMLResponse:
        return HTMLResponse(FORM_PAGE)

    @app.post("/upload")
    async def upload(
        title: Annotated[str, Form()],
        tags: Annotated[list[str], Form()],
        upload: Annotated[UploadFile, File()],
    ) -> dict[str, object]:
        content = await upload.read()
        return {
            "title": title,
            "tags": tags,
            "filename": upload.filename,
            "content_type": upload.content_type,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }

    return app


@pytest.fixture(scope="module")
def browser() -> Iterator[DevTools]:
    with chromium() as devtools:
        yield devtools


@pytest.fixture(params=SERVERS)
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    with serving(request.param)(toolbox_app(seen)) as url:
        yield url, seen


def test_event_source_reconnects_with_the_last_event_id(
    browser: DevTools, served: tuple[str, Seen]
) -> None:
    url, seen = served
    received = browser.run_page(url + "/events-page")
    assert received == [[str(n), f"n{n}"] for n in range(1, 7)]
    assert seen.last_event_ids[:2] == [None, "3"]


def test_a_multipart_form_with_a_file_submitted_by_the_page(
    browser: DevTools, served: tuple[str, Seen]
) -> None:
    url, _ = served
    result = browser.run_page(url + "/form-page")
    expected = bytes((i * 7) % 256 for i in range(300000))
    assert result == {
        "status": 200,
        "body": {
            "title": "Résumé <draft>",
            "tags": ["a", "b"],
            "filename": "naïve data.bin",
            "content_type": "application/x-custom",
            "size": len(expected),
            "sha256": hashlib.sha256(expected).hexdigest(),
        },
    }
