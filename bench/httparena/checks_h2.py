"""validate.sh's HTTP/2 blocks: static-h2 and baseline-h2 (TLS), baseline-h2c and json-h2c."""

from __future__ import annotations

import time
from typing import Final

from bench.httparena.checks import (
    Run,
    check,
    check_header,
    check_status,
    curl,
    http_version,
    json_body,
    status_code,
)
from bench.httparena.checks_h1 import CONTENT_TYPES, JSON_PAIRS, random_operand

H2_WAIT: Final = 15.0
TLS_H2: Final = ("-k", "--http2")
H2C: Final = ("--http2-prior-knowledge",)


def wait_h2(run: Run) -> bool:
    """validate.sh's ``wait_h2``: poll https://:8443/baseline2?a=1&b=1 for up to 15 s."""
    deadline = time.monotonic() + H2_WAIT
    while time.monotonic() < deadline:
        if status_code(run.target.h2_url("/baseline2?a=1&b=1"), *TLS_H2) == "200":
            return True
        time.sleep(0.25)
    return False


def h2_answers(run: Run, block: str) -> bool:
    return run.record.verdict(block, "/baseline2 answers on the h2 port", wait_h2(run)).passed


def static_h2(run: Run) -> None:
    block, url = "static-h2", run.target.h2_url
    if not h2_answers(run, block):
        return
    for name, content_type in CONTENT_TYPES:
        check_header(
            run.record, block, f"{name} Content-Type", url(f"/static/{name}"), "Content-Type",
            content_type, *TLS_H2,
        )  # fmt: skip
    size = curl([*TLS_H2, "-o", "/dev/null", "-w", "%{size_download}", url("/static/reset.css")])
    run.record.verdict(
        block, "reset.css size > 0", size.strip().isdigit() and int(size) > 0, f"size {size!r}"
    )
    check_status(
        run.record, block, "nonexistent.txt is 404", url("/static/nonexistent.txt"), 404, *TLS_H2
    )


def baseline_pairs(run: Run, block: str, base: str, *flags: str) -> None:
    check(
        run.record, block, "GET /baseline2?a=13&b=42", base + "/baseline2?a=13&b=42", "55", *flags
    )
    a, b = random_operand(), random_operand()
    check(
        run.record, block, f"GET random a={a} b={b}", base + f"/baseline2?a={a}&b={b}",
        str(a + b), *flags,
    )  # fmt: skip
    check_header(
        run.record, block, "Content-Type", base + "/baseline2?a=1&b=1", "Content-Type",
        "text/plain", *flags,
    )  # fmt: skip


def baseline_h2(run: Run) -> None:
    block = "baseline-h2"
    if not h2_answers(run, block):
        return
    version = http_version(run.target.h2_url("/baseline2?a=1&b=1"), *TLS_H2)
    run.record.verdict(block, "HTTP/2 over TLS", version == "2", f"http_version {version!r}")
    baseline_pairs(run, block, run.target.h2_url(""), *TLS_H2)


def baseline_h2c(run: Run) -> None:
    block, base = "baseline-h2c", run.target.h2c_url("")
    version = http_version(base + "/baseline2?a=1&b=1", *H2C)
    run.record.verdict(block, "HTTP/2 prior knowledge", version == "2", f"http_version {version!r}")
    plain = status_code(base + "/baseline2?a=1&b=1", "--http1.1")
    run.record.verdict(block, "HTTP/1.1 gets no 200", plain != "200", f"status {plain}")
    baseline_pairs(run, block, base, *H2C)


def json_h2c(run: Run) -> None:
    block, base = "json-h2c", run.target.h2c_url("")
    version = http_version(base + "/json/1?m=1", *H2C)
    run.record.verdict(block, "HTTP/2 prior knowledge", version == "2", f"http_version {version!r}")
    check_header(
        run.record, block, "Content-Type", base + "/json/1?m=1", "Content-Type",
        "application/json", *H2C,
    )  # fmt: skip
    for count, multiplier in JSON_PAIRS:
        document = json_body(base + f"/json/{count}?m={multiplier}", *H2C)
        items = document.get("items") if isinstance(document, dict) else None
        passed = isinstance(items, list) and document.get("count") == count and len(items) == count
        run.record.verdict(
            block, f"GET /json/{count}?m={multiplier} count", passed, f"got {str(document)[:80]!r}"
        )
