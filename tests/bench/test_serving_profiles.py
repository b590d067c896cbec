"""The --workers and --tls bench profiles' plumbing (no load: speed is measured by the bench)."""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path
from typing import Any

import pytest

from bench.apps import counting_asgi
from bench.certificates import make_certificates
from bench.entries import Entry
from bench.report import spread_lines
from bench.runner import Result, served_per_worker
from bench.serving_entries import TLS_ENTRIES, WORKER_ENTRIES


def test_placeholders_are_filled_inside_arguments() -> None:
    entry = Entry("x", ("-b", "127.0.0.1:{port}", "--cert", "{certfile}"), ())
    command = entry.command("python", 8123, files={"certfile": "/tmp/c.pem"})
    assert command == ["python", "-b", "127.0.0.1:8123", "--cert", "/tmp/c.pem"]


def test_every_tls_entry_names_its_certificate_and_key() -> None:
    for entry in TLS_ENTRIES:
        command = entry.command("python", 1, files={"certfile": "C", "keyfile": "K"})
        assert "C" in command and "K" in command, entry.name
        assert not any("{" in part for part in command), entry.name
    assert all(entry.supports("workers") for entry in WORKER_ENTRIES)


def _serve_one(app: Any) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b'{"id": 1, "name": "a", "email": "b"}'}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/user", "query_string": b""}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 200


def test_the_counting_app_counts_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_COUNT_DIR", str(tmp_path))
    monkeypatch.setattr(counting_asgi, "_slot", None)
    monkeypatch.setattr(counting_asgi, "_served", 0)
    for _ in range(3):
        _serve_one(counting_asgi.app)
    assert counting_asgi.served_per_process(str(tmp_path)) == {os.getpid(): 3}
    assert served_per_worker(str(tmp_path), 2) == [3, 0]  # the idle worker counts as 0


def test_spread_is_reported_per_entry() -> None:
    even = Result("a", True, "ok", served_per_worker=[110, 100])
    starved = Result("b", False, "ok", served_per_worker=[50, 0])
    assert even.spread == pytest.approx(1.1)
    assert starved.spread == float("inf")
    assert Result("c", False, "ok").spread is None
    lines = spread_lines([even, starved])
    assert lines[0] == "- a: requests per worker 110, 100: max/min **1.10** (target <= 1.25)"
    assert "**inf**" in lines[1]


def test_certificates_load_and_verify(tmp_path: Path) -> None:
    files = make_certificates(tmp_path)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files["certfile"], files["keyfile"])
    client = ssl.create_default_context(cafile=files["cafile"])
    assert client.cert_store_stats()["x509_ca"] == 1
