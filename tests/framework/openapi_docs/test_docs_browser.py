"""The docs pages in a real browser with the network cut off but for this machine.

Headless Chromium (``tests/chromium.py``) starts with every host name resolving to nothing
except 127.0.0.1, so a page that needs a CDN cannot render; the first test proves the cut
(a fetch of the pinned CDN copy fails).  Against the store app on Squall's server:

- ``/docs`` renders one operation block per operation of the document, with the document's
  methods and paths; "Try it out" then "Execute" on a GET and on a POST show 200 in the page;
- ``/redoc`` renders every operation's title;
- the OAuth2 redirect page hands a token (implicit flow) and a code (authorization code flow)
  to the window that opened it, as Swagger UI expects, and closes itself.

Screenshots go to the test's temporary directory (``docs.png``, ``docs-executed.png``,
``redoc.png``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from squall.openapi.assets import CDN
from tests.chromium import DevTools, chromium
from tests.framework.openapi_docs.store import docs_app, operations
from tests.framework.openapi_docs.test_assets import requires_docs_extra
from tests.server.serving import serve

pytestmark = requires_docs_extra

OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"

# In-page helpers: wait for a selector (Swagger UI and ReDoc render after their scripts
# fetch the document), click, and the status of an operation's last executed request.
HELPERS = """
window.waitFor = async (selector, root = document, limit = 8000) => {
  const end = Date.now() + limit;
  for (;;) {
    const found = root.querySelector(selector);
    if (found) return found;
    if (Date.now() > end) throw new Error("nothing matches " + selector);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
window.execute = async (blockId) => {
  const block = document.getElementById(blockId);
  block.querySelector(".opblock-summary-control").click();
  (await waitFor(".try-out__btn", block)).click();
  (await waitFor("button.execute", block)).click();
  const status = await waitFor(".live-responses-table tr.response .response-col_status", block);
  return status.textContent.trim();
};
"""


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(docs_app()) as running:
        yield running.url


@pytest.fixture(scope="module")
def browser() -> Iterator[DevTools]:
    # Popups allowed: the OAuth2 test opens three, one user gesture would allow only one.
    with chromium([OFFLINE, "--disable-popup-blocking"]) as devtools:
        devtools.command(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=1000,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield devtools


def served_document(site: str) -> dict[str, Any]:
    """The document the pages read (the app's /openapi.json)."""
    return dict(httpx.get(site + "/openapi.json").json())


def open_page(browser: DevTools, url: str) -> None:
    browser.navigate(url)
    browser.evaluate(HELPERS)


def screenshot(browser: DevTools, path: Path) -> None:
    shot = browser.command("Page.captureScreenshot", format="png")
    path.write_bytes(base64.b64decode(shot["data"]))


def test_the_network_is_cut_but_for_this_machine(site: str, browser: DevTools) -> None:
    """The CDN is out of reach, and so is this very server by the name ``localhost``: the
    resolver rules are in force (this machine may have no route out anyway)."""
    open_page(browser, site + "/health")
    by_name = site.replace("127.0.0.1", "localhost") + "/health"
    fetched = browser.evaluate(
        f"""Promise.all([
          fetch({CDN.swagger_css!r}, {{mode: "no-cors"}}).then(() => "loaded", () => "failed"),
          fetch({by_name!r}, {{mode: "no-cors"}}).then(() => "loaded", () => "failed"),
          fetch("/health").then((response) => response.json()),
        ])"""
    )
    assert fetched == ["failed", "failed", {"status": "ok"}]


def test_swagger_ui_renders_every_operation_and_executes_a_get_and_a_post(
    site: str, browser: DevTools, tmp_path: Path
) -> None:
    open_page(browser, site + "/docs")
    shown: list[dict[str, Any]] = browser.evaluate(
        """(async () => {
          await waitFor("#swagger-ui .opblock");
          return [...document.querySelectorAll("#swagger-ui .opblock")].map((block) => ({
            method: block.querySelector(".opblock-summary-method").textContent,
            path: block.querySelector(".opblock-summary-path").dataset.path,
            summary: block.querySelector(".opblock-summary-description").textContent,
          }));
        })()"""
    )
    screenshot(browser, tmp_path / "docs.png")
    expected = operations(served_document(site))
    assert sorted((op["method"], op["path"], op["summary"]) for op in shown) == sorted(expected)

    get_status = browser.evaluate('execute("operations-items-list_items")')
    post_status = browser.evaluate('execute("operations-items-create_item")')
    screenshot(browser, tmp_path / "docs-executed.png")
    assert (get_status, post_status) == ("200", "200")
    body = browser.evaluate(
        """document.querySelector(
             "#operations-items-create_item .live-responses-table .response-col_description pre"
           ).textContent"""
    )
    assert '"name": "hammer"' in body  # the example Swagger UI filled in, sent and echoed


def redoc_titles(browser: DevTools, url: str, shot: Path) -> list[str]:
    """The operation titles ReDoc shows at ``url``, once rendered (screenshot to ``shot``)."""
    open_page(browser, url)
    titles: list[str] = browser.evaluate(
        """(async () => {
          await waitFor('[data-section-id^="operation/"] h2');
          return [...document.querySelectorAll('[data-section-id^="operation/"] h2')]
            .map((title) => title.textContent.trim());
        })()"""
    )
    screenshot(browser, shot)
    return titles


def test_redoc_renders_every_operation(site: str, browser: DevTools, tmp_path: Path) -> None:
    titles = redoc_titles(browser, site + "/redoc", tmp_path / "redoc.png")
    summaries = [summary for _, _, summary in operations(served_document(site))]
    assert sorted(titles) == sorted(summaries)


def test_the_oauth2_redirect_page_hands_the_result_to_swagger_ui(
    site: str, browser: DevTools
) -> None:
    open_page(browser, site + "/docs")
    handed = browser.evaluate(
        """(async () => {
          const login = (flow, state, query) => new Promise((resolve) => {
            window.swaggerUIRedirectOauth2 = {
              auth: {name: "store_auth", schema: {get: (key) => key === "flow" ? flow : null}},
              state: state,
              redirectUrl: location.origin + "/docs/oauth2-redirect",
              callback: (value) => resolve({
                token: value.token || null, isValid: value.isValid ?? null, code: value.auth.code || null
              }),
              errCb: (error) => resolve({error: error.message}),
            };
            window.popup = window.open("/docs/oauth2-redirect" + query);
            setTimeout(() => resolve({error: "no answer from the redirect page"}), 5000);
          });
          const implicit = await login("implicit", "s1", "#access_token=t0k&token_type=bearer&state=s1");
          const code = await login("authorizationCode", "s2", "?code=c0de&state=s2");
          const refused = await login("authorizationCode", "s3", "?error=access_denied&state=s3");
          return {implicit, code, refused};
        })()""",
    )
    assert handed == {
        "implicit": {
            "token": {"access_token": "t0k", "token_type": "bearer", "state": "s1"},
            "isValid": True,
            "code": None,
        },
        "code": {"token": None, "isValid": None, "code": "c0de"},
        "refused": {"error": "[access_denied] no description"},
    }
