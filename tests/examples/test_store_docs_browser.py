"""The store's /docs and /redoc in headless Chromium with the network cut off but for this
machine (oa-ui's setup: tests/framework/openapi_docs/test_docs_browser.py): Swagger UI shows
every operation and webhook of the store's document, "Try it out" on a GET and on a POST (a
review, its path parameter typed in) answers 200 and 201 in the page, and ReDoc shows every
operation and webhook.
Screenshots: docs.png, docs-executed.png and redoc.png in the test's temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.store.app import app
from examples.store.data import STORE
from tests.chromium import DevTools, chromium
from tests.framework.openapi_docs.test_assets import requires_docs_extra
from tests.framework.openapi_docs.test_docs_browser import (
    OFFLINE,
    open_page,
    redoc_titles,
    screenshot,
)
from tests.server.serving import serve

pytestmark = requires_docs_extra

REVIEW_BLOCK = "operations-reviews-add_review_products__product_id__reviews_post"
LIST_BLOCK = "operations-products-list_products_products_get"

# Open an operation, "Try it out", type each given path parameter (and wait until Swagger
# UI's state has it: its inputs are debounced), "Execute": the status shown.
TRY = """
window.tryOperation = async (blockId, operation, parameters) => {
  const block = document.getElementById(blockId);
  block.querySelector(".opblock-summary-control").click();
  (await waitFor(".try-out__btn", block)).click();
  const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  for (const [name, value] of Object.entries(parameters)) {
    const input = await waitFor(`tr[data-param-name="${name}"] input`, block);
    setValue.call(input, value);
    input.dispatchEvent(new Event("input", {bubbles: true}));
    const end = Date.now() + 5000;
    while (ui.specSelectors.parameterValues(operation).toJS()[`path.${name}`] !== value) {
      if (Date.now() > end) throw new Error("Swagger UI did not take " + name);
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
  }
  (await waitFor("button.execute", block)).click();
  const status = await waitFor(".live-responses-table tr.response .response-col_status", block);
  return status.textContent.trim();
};
"""


@pytest.fixture(scope="module")
def store_site() -> Iterator[str]:
    with serve(app) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[DevTools]:
    with chromium([OFFLINE]) as devtools:
        size = {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
        devtools.command("Emulation.setDeviceMetricsOverride", **size)
        yield devtools


def path_items() -> dict[str, dict[str, Any]]:
    """The document's paths and webhooks (Swagger UI and ReDoc show both)."""
    document = app.openapi()
    return {**document["paths"], **document["webhooks"]}


def documented() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in path_items().items() for method in item}


def test_swagger_ui_shows_the_store_and_tries_a_get_and_a_post(
    store_site: str, browser: DevTools, tmp_path: Path
) -> None:
    STORE.reset()
    open_page(browser, store_site + "/docs")
    browser.evaluate(TRY)
    shown = browser.evaluate(
        """(async () => {
          await waitFor("#swagger-ui .opblock");
          return [...document.querySelectorAll("#swagger-ui .opblock")].map((block) => [
            block.querySelector(".opblock-summary-method").textContent,
            block.querySelector("[data-path]").dataset.path,
          ]);
        })()"""
    )
    screenshot(browser, tmp_path / "docs.png")
    assert {tuple(operation) for operation in shown} == documented()
    listed = browser.evaluate(f'tryOperation("{LIST_BLOCK}", ["/products", "get"], {{}})')
    review = '["/products/{product_id}/reviews", "post"], {product_id: "2"}'
    reviewed = browser.evaluate(f'tryOperation("{REVIEW_BLOCK}", {review})')
    browser.evaluate(f'document.getElementById("{REVIEW_BLOCK}").scrollIntoView(), 0')
    screenshot(browser, tmp_path / "docs-executed.png")
    assert (listed, reviewed) == ("200", "201")
    assert len(STORE.reviews[2]) == 1  # Swagger UI's example body, sent and kept


def test_redoc_shows_every_operation(store_site: str, browser: DevTools, tmp_path: Path) -> None:
    titles = redoc_titles(browser, store_site + "/redoc", tmp_path / "redoc.png")
    summaries = [op["summary"] for item in path_items().values() for op in item.values()]
    badges = ("Deprecated", "Webhook")  # ReDoc's
    shown = {title.removesuffix(badges[0]).removesuffix(badges[1]).strip() for title in titles}
    assert sorted(shown) == sorted(set(summaries))
