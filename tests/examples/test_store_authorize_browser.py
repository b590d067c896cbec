"""Swagger UI's Authorize dialog on the store's /docs, in headless Chromium with the network
cut off but for this machine (tests/framework/openapi_docs/test_docs_browser.py's setup):

- "Execute" on ``GET /customers/me`` (an OAuth2 password-flow route) shows 401;
- "Authorize" opens the dialog; the user name and password are typed (as keystrokes,
  ``Input.insertText``) into the OAuth2PasswordBearer scheme's form and its "Authorize"
  button sends them to the store's ``POST /token``, which Swagger UI keeps the token of;
- "Execute" again shows 200 with the customer's profile: the token went in the
  ``Authorization`` header;
- the HTTPBearer scheme takes a typed token the same way: ``DELETE /products/{id}`` (staff
  only) shows 204 with it.

Screenshots: authorize-dialog.png and authorized.png in the test's temporary directory.
"""

from __future__ import annotations

from pathlib import Path

from examples.store.auth import STAFF_TOKEN
from examples.store.data import STORE
from tests.chromium import DevTools
from tests.examples.test_store_docs_browser import TRY, browser, store_site
from tests.framework.openapi_docs.test_assets import requires_docs_extra
from tests.framework.openapi_docs.test_docs_browser import open_page, screenshot

pytestmark = requires_docs_extra
__all__ = ["browser", "store_site"]  # the module's fixtures, shared

ME_BLOCK = "operations-customers-read_me_customers_me_get"
DELETE_BLOCK = "operations-products-delete_product_products__product_id__delete"
DELETE_ARGS = '["/products/{product_id}", "delete"], {product_id: "4"}'  # tryOperation's

# Open an operation with "Try it out"; "Execute" it and wait for a status other than the
# one shown before; the scheme's block in the Authorize dialog; the dialog's buttons.
AUTHORIZE = """
window.openOperation = async (blockId) => {
  const block = document.getElementById(blockId);
  block.querySelector(".opblock-summary-control").click();
  (await waitFor(".try-out__btn", block)).click();
  await waitFor("button.execute", block);
};
window.executeAgain = async (blockId, previous) => {
  const block = document.getElementById(blockId);
  block.querySelector("button.execute").click();
  const end = Date.now() + 8000;
  for (;;) {
    const cell = block.querySelector(".live-responses-table tr.response .response-col_status");
    const status = cell ? cell.textContent.trim().split(" ")[0] : "";  // "401 Undocumented"
    if (status && status !== previous) return status;
    if (Date.now() > end) throw new Error("no new status in " + blockId);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
window.responseBody = (blockId) => document.querySelector(
  `#${blockId} .live-responses-table .response-col_description pre`).textContent;
window.schemeBlock = async (name) => {
  await waitFor(".modal-ux .auth-container");
  const found = [...document.querySelectorAll(".modal-ux .auth-container")]
    .find((block) => block.querySelector("h4").textContent.includes(name));
  if (!found) throw new Error("no scheme " + name + " in the dialog");
  return found;
};
window.focusInScheme = async (name, selector) => {
  (await waitFor(selector, await schemeBlock(name))).focus();
};
window.authorizeScheme = async (name) => {
  const block = await schemeBlock(name);
  block.querySelector(".modal-btn.auth.authorize").click();
  const end = Date.now() + 8000;  // authorized: its form gives way to a Logout button
  while (![...block.querySelectorAll("button")].some((b) => b.textContent === "Logout")) {
    const error = block.querySelector(".errors");
    if (error) throw new Error("Authorize failed: " + error.textContent);
    if (Date.now() > end) throw new Error("Authorize did not complete for " + name);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
"""


def type_into(browser: DevTools, scheme: str, selector: str, text: str) -> None:
    """Focus the input ``selector`` of ``scheme``'s block in the dialog and type ``text``."""
    browser.evaluate(f"focusInScheme({scheme!r}, {selector!r})")
    browser.command("Input.insertText", text=text)


def test_authorize_then_execute_protected_operations(
    store_site: str, browser: DevTools, tmp_path: Path
) -> None:
    STORE.reset()
    open_page(browser, store_site + "/docs")
    browser.evaluate(TRY + AUTHORIZE)
    browser.evaluate('waitFor("#swagger-ui .opblock").then(() => true)')
    browser.evaluate(f'openOperation("{ME_BLOCK}")')
    assert browser.evaluate(f'executeAgain("{ME_BLOCK}", "")') == "401"

    browser.evaluate('document.querySelector(".auth-wrapper .btn.authorize").click()')
    type_into(browser, "OAuth2PasswordBearer", "#oauth_username", "alice")
    type_into(browser, "OAuth2PasswordBearer", "#oauth_password", "wonderland")
    screenshot(browser, tmp_path / "authorize-dialog.png")
    browser.evaluate('authorizeScheme("OAuth2PasswordBearer")')
    type_into(browser, "HTTPBearer", "#auth-bearer-value", STAFF_TOKEN)
    browser.evaluate('authorizeScheme("HTTPBearer")')
    browser.evaluate('document.querySelector(".modal-ux .btn-done").click()')

    assert browser.evaluate(f'executeAgain("{ME_BLOCK}", "401")') == "200"
    assert '"username": "alice"' in browser.evaluate(f'responseBody("{ME_BLOCK}")')
    deleted = browser.evaluate(f'tryOperation("{DELETE_BLOCK}", {DELETE_ARGS})')
    browser.evaluate(f'document.getElementById("{ME_BLOCK}").scrollIntoView(), 0')
    screenshot(browser, tmp_path / "authorized.png")
    assert deleted == "204"
    assert 4 not in STORE.products  # the staff token went with the request
