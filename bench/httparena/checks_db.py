"""validate.sh's database blocks: async-db (also run for crud, api-4 and api-16) and crud.

crud runs against a fresh PostgreSQL and without Redis; its steps run in order, and a missing
``X-Cache`` header aborts validation as validate.sh's ``grep | awk`` under pipefail does.
"""

from __future__ import annotations

import json
from typing import Any, Final

from bench.httparena.checks import Run, check_header, curl, header_values, json_body

ASYNC_DB_QUERIES: Final = ((5, 80, 7), (20, 150, 18), (100, 400, 33), (10, 50, 50))
NEW_ITEM: Final = {
    "id": 200001,
    "name": "ValidateItem",
    "category": "test",
    "price": 42,
    "quantity": 7,
}
JSON_HEADER: Final = "Content-Type: application/json"


class Aborted(Exception):
    """validate.sh stops here (``set -euo pipefail``): nothing after this check runs."""


def judge_db_items(document: Any, limit: int) -> tuple[bool, str]:
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        return False, "not a JSON object with an items list"
    if document.get("count") != limit:
        return False, f"count {document.get('count')!r}, expected {limit}"
    for item in document["items"]:
        rating = item.get("rating")
        if not isinstance(rating, dict) or "score" not in rating:
            return False, f"item {item.get('id')!r} has no rating.score"
        if not isinstance(item.get("tags"), list):
            return False, f"item {item.get('id')!r}: tags {item.get('tags')!r} is not a list"
        if not isinstance(item.get("active"), bool):
            return False, f"item {item.get('id')!r}: active {item.get('active')!r} is not a bool"
    return True, ""


def async_db(run: Run) -> None:
    block = "async-db"
    for low, high, limit in ASYNC_DB_QUERIES:
        query = f"/async-db?min={low}&max={high}&limit={limit}"
        passed, detail = judge_db_items(json_body(run.target.url(query)), limit)
        run.record.verdict(block, f"GET {query}", passed, detail)
    check_header(
        run.record, block, "Content-Type", run.target.url("/async-db?min=10&max=50&limit=5"),
        "Content-Type", "application/json",
    )  # fmt: skip
    document = json_body(run.target.url("/async-db?min=9999&max=9999&limit=50"))
    count = document.get("count") if isinstance(document, dict) else None
    run.record.verdict(block, "no match gives count 0", count == 0, f"count {count!r}")


def get_item(run: Run, item_id: int) -> tuple[str, Any, str | None]:
    """GET /crud/items/ID in a new curl process: (status, JSON body or None, X-Cache or None)."""
    output = curl(["-D-", "-w", "\n%{http_code}", run.target.url(f"/crud/items/{item_id}")])
    text = output.decode("utf-8", "replace").rstrip("\n")
    rest, _, status = text.rpartition("\n")
    body = rest.replace("\r\n", "\n").split("\n\n")[-1]
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    caches = header_values(output, "X-Cache")
    return status, document, caches[0] if caches else None


def x_cache(run: Run, item_id: int) -> str:
    status, _, cache = get_item(run, item_id)
    if cache is None:
        run.record.add(
            "crud", f"GET /crud/items/{item_id} X-Cache", "FAIL", f"no X-Cache (status {status})"
        )
        raise Aborted(f"GET /crud/items/{item_id} had no X-Cache header")
    return cache.strip().upper()


def send_json(run: Run, method: str, path: str, document: dict[str, Any]) -> str:
    arguments = ["-X", method, "-H", JSON_HEADER, "-d", json.dumps(document)]
    return curl(
        [*arguments, "-o", "/dev/null", "-w", "%{http_code}", run.target.url(path)]
    ).decode()


def crud(run: Run) -> None:
    block, record = "crud", run.record
    page = json_body(run.target.url("/crud/items?category=electronics&page=1&limit=5"))
    items = page.get("items") if isinstance(page, dict) else None
    passed = (
        isinstance(items, list) and len(items) == 5 and page.get("total", 0) > 0
        and page.get("page") == 1 and all("rating" in item for item in items)
    )  # fmt: skip
    record.verdict(block, "1. list electronics page 1 limit 5", passed, f"got {str(page)[:100]!r}")
    _, item, _ = get_item(run, 1)
    record.verdict(
        block,
        "2. GET /crud/items/1",
        isinstance(item, dict) and item.get("id") == 1,
        f"got {item!r}",
    )
    first, second = x_cache(run, 42), x_cache(run, 42)
    record.verdict(
        block, "3. GET /crud/items/42 twice: MISS then HIT", (first, second) == ("MISS", "HIT"),
        f"X-Cache {first} then {second}",
    )  # fmt: skip
    status, _, _ = get_item(run, 999999)
    record.verdict(block, "4. GET /crud/items/999999 is 404", status == "404", f"status {status}")
    status = send_json(run, "POST", "/crud/items", NEW_ITEM)
    record.verdict(block, "5. POST /crud/items is 201", status == "201", f"status {status}")
    _, item, _ = get_item(run, 200001)
    created = isinstance(item, dict) and item.get("id") == 200001
    record.verdict(block, "6. GET /crud/items/200001", created, f"got {item!r}")
    x_cache(run, 200001)  # warm the cache
    change = {"name": "ValidateUpdated", "category": "test", "price": 99, "quantity": 3}
    status = send_json(run, "PUT", "/crud/items/200001", change)
    record.verdict(block, "7. PUT /crud/items/200001 is 200", status == "200", f"status {status}")
    after = x_cache(run, 200001)
    record.verdict(block, "7. GET after PUT is a MISS", after == "MISS", f"X-Cache {after}")
