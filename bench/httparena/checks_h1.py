"""validate.sh's HTTP/1.1 blocks: baseline, pipelined, json, json-comp, json-tls, upload, static.

Each block takes a ``Run`` and records one outcome per check, in validate.sh's order.
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from bench.httparena.checks import (
    Run,
    check,
    check_header,
    check_status,
    curl,
    header_values,
    http_version,
    json_body,
    judge_items,
)
from bench.httparena.checks_tcp import fragment_cases, response_body, send_pieces
from bench.static_files import FILES

JSON_PAIRS: Final = ((12, 3), (22, 7), (31, 2), (50, 5))
JSON_COMP_PAIRS: Final = ((25, 3), (40, 7), (50, 2))
JSON_TLS_PAIRS: Final = ((7, 2), (23, 11), (50, 1))
UPLOAD_SIZES: Final = (512_000, 2_097_152, 10_485_760, 20_971_520)
CHUNKED_SIZE: Final = 100_000  # beyond validate.sh: an answer echoing Content-Length fails it
GZIP_BR: Final = "Accept-Encoding: gzip, br"
CONTENT_TYPES: Final = (
    ("reset.css", "text/css"),
    ("app.js", "application/javascript"),
    ("manifest.json", "application/json"),
)


def random_operand() -> int:
    return random.randint(100, 999)


def baseline(run: Run) -> None:
    block, url = "baseline", run.target.url
    check(run.record, block, "GET /baseline11?a=13&b=42", url("/baseline11?a=13&b=42"), "55")
    check(
        run.record, block, "POST Content-Length body 20", url("/baseline11?a=13&b=42"), "75",
        "-X", "POST", "-d", "20",
    )  # fmt: skip
    check(
        run.record, block, "POST chunked body 20", url("/baseline11?a=13&b=42"), "75",
        "-X", "POST", "-H", "Transfer-Encoding: chunked", "-d", "20",
    )  # fmt: skip
    a, b = random_operand(), random_operand()
    check(run.record, block, f"GET random a={a} b={b}", url(f"/baseline11?a={a}&b={b}"), str(a + b))
    for body in random.sample(range(100, 1000), 2):  # two different: a cached answer fails one
        check(
            run.record, block, f"POST random body {body}", url(f"/baseline11?a={a}&b={b}"),
            str(a + b + body), "-X", "POST", "-d", str(body),
        )  # fmt: skip
    check_header(
        run.record, block, "GET Content-Type", url("/baseline11?a=1&b=1"), "Content-Type",
        "text/plain",
    )  # fmt: skip
    check_header(
        run.record, block, "POST Content-Type", url("/baseline11?a=1&b=1"), "Content-Type",
        "text/plain", "-X", "POST", "-d", "1",
    )  # fmt: skip
    for name, pieces, expected in fragment_cases(run.target.host):
        got = response_body(send_pieces(run.target.host, run.target.h1, pieces))
        run.record.verdict(
            block, f"TCP fragments: {name}", got == expected, f"expected {expected!r}, got {got!r}"
        )


def pipelined(run: Run) -> None:
    url = run.target.url("/pipeline")
    check(run.record, "pipelined", "GET /pipeline", url, "ok")
    check_header(run.record, "pipelined", "Content-Type", url, "Content-Type", "text/plain")


def json_pairs(
    run: Run, block: str, pairs: tuple[tuple[int, int], ...], base: str, *flags: str
) -> None:
    for count, multiplier in pairs:
        path = f"/json/{count}?m={multiplier}"
        passed, detail = judge_items(json_body(base + path, *flags), count, multiplier)
        run.record.verdict(block, f"GET {path} count and totals", passed, detail)


def json_(run: Run) -> None:
    json_pairs(run, "json", JSON_PAIRS, run.target.url(""))
    check_header(
        run.record, "json", "Content-Type", run.target.url("/json/50?m=1"), "Content-Type",
        "application/json",
    )  # fmt: skip


def json_comp(run: Run) -> None:
    block, url = "json-comp", run.target.url("/json/50?m=1")
    values = header_values(curl(["-D-", "-o", "/dev/null", "-H", GZIP_BR, url]), "Content-Encoding")
    first = values[0].split(",")[0].strip().lower() if values else ""
    run.record.verdict(
        block, "Content-Encoding gzip or br when asked", first in ("gzip", "br"),
        f"Content-Encoding {values!r}",
    )  # fmt: skip
    json_pairs(run, block, JSON_COMP_PAIRS, run.target.url(""), "--compressed", "-H", GZIP_BR)
    values = header_values(curl(["-D-", "-o", "/dev/null", url]), "Content-Encoding")
    run.record.verdict(
        block, "no Content-Encoding unasked", not values, f"Content-Encoding {values!r}"
    )


def json_tls(run: Run) -> None:
    block, url = "json-tls", run.target.tls_url("/json/1?m=1")
    version = http_version(url, "-k", "--http1.1")
    run.record.verdict(block, "HTTP/1.1 over TLS", version == "1.1", f"http_version {version!r}")
    json_pairs(run, block, JSON_TLS_PAIRS, run.target.tls_url(""), "-k", "--http1.1")
    values = header_values(curl(["-k", "--http1.1", "-D-", "-o", "/dev/null", url]), "Content-Type")
    run.record.verdict(
        block, "Content-Type", any("application/json" in value for value in values),
        f"Content-Type {values!r}",
    )  # fmt: skip


def upload(run: Run) -> None:
    block, url = "upload", run.target.url("/upload")
    check(run.record, block, "17-byte body", url, "17", "--data-binary", "Hello, HttpArena!")
    body = os.urandom(48)
    passed = curl(["--data-binary", "@-", url], stdin=body).decode("latin-1").strip() == "48"
    run.record.verdict(block, "random 48-byte body", passed, "expected '48'")
    chunked_flags = ["-H", "Transfer-Encoding: chunked", "--data-binary", "@-"]
    chunked = curl([*chunked_flags, url], os.urandom(CHUNKED_SIZE))
    run.record.verdict(
        block, f"extra: chunked {CHUNKED_SIZE}-byte body (bytes read, not Content-Length)",
        chunked.decode("latin-1").strip() == str(CHUNKED_SIZE), f"got {chunked[:80]!r}",
    )  # fmt: skip
    for size in UPLOAD_SIZES:
        got = run_dd_upload(url, size)
        run.record.verdict(block, f"{size}-byte body", got == str(size), f"got {got[:80]!r}")


def on_disk_size(run: Run, name: str) -> int:
    return os.path.getsize(os.path.join(run.static_dir, name))


def static(run: Run) -> None:
    block, url = "static", run.target.url
    for name, content_type in CONTENT_TYPES:
        check_header(
            run.record, block, f"{name} Content-Type", url(f"/static/{name}"), "Content-Type",
            content_type,
        )  # fmt: skip
    for name, _ in FILES:
        got = curl(["-o", "/dev/null", "-w", "%{size_download}", url(f"/static/{name}")]).decode()
        expected = on_disk_size(run, name)
        run.record.verdict(
            block, f"{name} identity size", got.strip() == str(expected),
            f"{got.strip()!r} bytes, on disk {expected}",
        )  # fmt: skip
    compressed_fetches(run)
    check_status(run.record, block, "nonexistent.txt is 404", url("/static/nonexistent.txt"), 404)


def compressed_fetches(run: Run) -> None:
    """``--compressed``: when an encoding comes back, the decoded size must be the file's."""
    encoded = 0
    with tempfile.TemporaryDirectory(prefix="httparena-static-") as directory:
        headers, body = Path(directory, "head"), Path(directory, "body")
        for name, _ in FILES:
            curl(
                [
                    "--compressed",
                    "-D",
                    str(headers),
                    "-o",
                    str(body),
                    run.target.url(f"/static/{name}"),
                ]
            )
            values = header_values(
                headers.read_bytes() if headers.exists() else b"", "Content-Encoding"
            )
            if not values or values[0].lower() == "identity":
                continue
            encoded += 1
            size, expected = body.stat().st_size if body.exists() else -1, on_disk_size(run, name)
            run.record.verdict(
                "static", f"{name} {values[0]} decodes to its size", size == expected,
                f"{size} bytes decoded, on disk {expected}",
            )  # fmt: skip
    if not encoded:
        run.record.add("static", "compressed fetches", "SKIP", "no file came back compressed")


def run_dd_upload(url: str, size: int) -> str:
    """The same upload as validate.sh's ``dd if=/dev/urandom | curl --data-binary @-`` pipeline."""
    dd = subprocess.Popen(
        ["dd", "if=/dev/urandom", "bs=1M", f"count={size}", "iflag=count_bytes", "status=none"],
        stdout=subprocess.PIPE,
    )
    assert dd.stdout is not None
    done = subprocess.run(
        ["curl", "-s", "--max-time", "60", "--data-binary", "@-", url],
        stdin=dd.stdout, capture_output=True, check=False, timeout=65,
    )  # fmt: skip
    dd.wait()
    return done.stdout.decode("latin-1").strip()
