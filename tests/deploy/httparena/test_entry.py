"""The HttpArena entry (deploy/httparena) served by its launcher, checked with real clients.

A few representative behaviours per endpoint group, on the port the benchmark uses for them:
httpx over HTTP/1.1 (plain and TLS) and HTTP/2 (TLS, ALPN h2), curl for h2c with prior
knowledge and for a 20 MiB upload with ``Expect: 100-continue``, the websockets client for /ws.
The exhaustive contract checks are bench/httparena's validator, not repeated here.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bench.httparena import postgres
from tests.deploy.httparena.entry import Entry, accepts, entry_environment, free_ports, run_entry


@pytest.fixture(scope="module")
def plain(entry: Entry) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{entry.ports.h1}", timeout=10) as client:
        yield client


def curl() -> str:
    path = shutil.which("curl")
    if path is None:
        pytest.skip("curl is not installed")
    return path


def test_baseline_get_post_and_chunked(plain: httpx.Client) -> None:
    got = plain.get("/baseline11", params={"a": 13, "b": 42})
    assert (got.status_code, got.text) == (200, "55")
    assert got.headers["content-type"].startswith("text/plain")
    assert plain.post("/baseline11?a=13&b=42", content=b"20").text == "75"
    chunked = plain.post("/baseline11?a=13&b=42", content=iter([b"2", b"0"]))
    assert chunked.text == "75"
    assert plain.get("/pipeline").text == "ok"


def test_json_totals_default_m_and_negotiated_compression(plain: httpx.Client) -> None:
    page = plain.get("/json/12?m=3").json()
    assert page["count"] == 12 and len(page["items"]) == 12
    assert all(item["total"] == item["price"] * item["quantity"] * 3 for item in page["items"])
    first = plain.get("/json/1").json()["items"][0]
    assert first["total"] == 328 * 15  # m defaults to 1; item 1 as the contract shows it
    identity = plain.get("/json/50?m=1", headers={"accept-encoding": ""})
    assert "content-encoding" not in identity.headers
    packed = plain.get("/json/50?m=1", headers={"accept-encoding": "gzip, br"})
    assert packed.headers["content-encoding"] == "br"
    assert packed.content == identity.content  # httpx decoded it
    assert packed.num_bytes_downloaded < len(identity.content) / 4


def test_upload_counts_20_mib_sent_with_expect_continue(entry: Entry, tmp_path: Path) -> None:
    body = tmp_path / "body"
    body.write_bytes(b"\xa5" * (20 * 1024 * 1024))
    sent = subprocess.run(
        [curl(), "-s", "-H", "Expect: 100-continue", "--data-binary", f"@{body}",
         f"http://127.0.0.1:{entry.ports.h1}/upload"],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip
    assert sent.stdout == b"20971520"


def test_static_identity_precompressed_and_missing(entry: Entry, plain: httpx.Client) -> None:
    assert entry.mounts is not None
    app_js = plain.get("/static/app.js", headers={"accept-encoding": ""})
    assert app_js.content == (entry.mounts.static / "app.js").read_bytes()
    assert app_js.headers["content-type"].startswith("text/javascript")
    with plain.stream(
        "GET", "/static/app.js", headers={"accept-encoding": "br;q=1, gzip;q=0.8"}
    ) as sibling:
        assert sibling.headers["content-encoding"] == "br"
        assert b"".join(sibling.iter_raw()) == (entry.mounts.static / "app.js.br").read_bytes()
    assert plain.get("/static/nonexistent.txt").status_code == 404


def test_async_db_rows_defaults_and_empty(plain: httpx.Client) -> None:
    page = plain.get("/async-db?min=5&max=80&limit=7").json()
    assert page["count"] == 7 and len(page["items"]) == 7
    item = page["items"][0]
    assert 5 <= item["price"] <= 80 and isinstance(item["tags"], list)
    assert isinstance(item["active"], bool) and set(item["rating"]) == {"score", "count"}
    assert plain.get("/async-db").json()["count"] == 50  # min 10, max 50, limit 50
    assert plain.get("/async-db?min=9999&max=9999").json() == {"items": [], "count": 0}


def test_crud_padded_ids_cache_and_writes(plain: httpx.Client) -> None:
    listing = plain.get("/crud/items?category=office&page=02&limit=5").json()
    assert (listing["page"], listing["limit"], listing["total"]) == (2, 5, 5)
    assert all(item["category"] == "office" for item in listing["items"])
    with httpx.Client(base_url=plain.base_url) as one, httpx.Client(base_url=plain.base_url) as two:
        for client in (one, two):  # both connected first: the two GETs come within 200 ms
            client.get("/pipeline")
        first = one.get("/crud/items/00077")
        second = two.get("/crud/items/77")  # another connection (and worker, when there are more)
    assert (first.headers["x-cache"], second.headers["x-cache"]) == ("MISS", "HIT")
    assert first.json()["id"] == 77 and first.content == second.content
    assert plain.get("/crud/items/999999").status_code == 404
    new = {"id": 200002, "name": "Created", "category": "test", "price": 42, "quantity": 7}
    created = plain.post("/crud/items", json=new)
    assert (created.status_code, created.json()) == (201, new)
    assert plain.get("/crud/items/200002").json()["name"] == "Created"
    changed = plain.put("/crud/items/200002", json={"name": "Changed", "price": 5, "quantity": 6})
    assert changed.json() == {"id": 200002, "name": "Changed", "price": 5, "quantity": 6}
    after = plain.get("/crud/items/200002")
    assert (after.headers["x-cache"], after.json()["name"]) == ("MISS", "Changed")
    assert (
        plain.put("/crud/items/999999", json={"name": "x", "price": 1, "quantity": 1}).status_code
        == 404
    )


def test_tls_h1_on_8081_and_h2_on_8443(entry: Entry) -> None:
    assert entry.mounts is not None
    verify = ssl.create_default_context(cafile=entry.mounts.cert)  # self-signed: its own CA
    h1 = httpx.get(f"https://localhost:{entry.ports.h1_tls}/json/7?m=2", verify=verify)
    assert h1.http_version == "HTTP/1.1" and h1.json()["count"] == 7
    with httpx.Client(http2=True, verify=verify) as client:
        h2 = client.get(f"https://localhost:{entry.ports.h2_tls}/baseline2?a=13&b=42")
        assert (h2.http_version, h2.text) == ("HTTP/2", "55")
        css = client.get(f"https://localhost:{entry.ports.h2_tls}/static/reset.css")
        assert css.headers["content-type"].startswith("text/css") and len(css.content) == 8192


def test_h2c_only_on_8082(entry: Entry) -> None:
    url = f"http://127.0.0.1:{entry.ports.h2c}/baseline2?a=13&b=42"
    h2c = subprocess.run(
        [curl(), "-s", "--http2-prior-knowledge", "-w", "|%{http_version}", url],
        capture_output=True, check=True, timeout=10,
    )  # fmt: skip
    assert h2c.stdout == b"55|2"
    h1 = subprocess.run(
        [curl(), "-s", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}", url],
        capture_output=True, timeout=10,
    )  # fmt: skip
    assert h1.stdout != b"200"


def test_websocket_echo_and_plain_get(entry: Entry, plain: httpx.Client) -> None:
    with connect(f"ws://127.0.0.1:{entry.ports.h1}/ws") as socket:
        for message in ("hello", b"\x00\xff" * 128, "a", "b", "c"):
            socket.send(message)
            assert socket.recv() == message  # text as text, binary as binary, in order
        socket.close(1000)
        assert socket.close_code == 1000
    refused = plain.get("/ws", headers={"connection": "keep-alive"})
    assert 400 <= refused.status_code < 500
    with pytest.raises(InvalidStatus), connect(f"ws://127.0.0.1:{entry.ports.h1}/nowhere"):
        pass


def test_starts_without_mounts_certificates_or_database(tmp_path: Path, database_url: str) -> None:
    [database_port] = free_ports(1)  # nothing there yet
    later_url = f"postgres://bench:bench@127.0.0.1:{database_port}/benchmark"
    variables = entry_environment(None, later_url)
    with run_entry(variables, None, tmp_path / "launcher.log") as bare:
        base = f"http://127.0.0.1:{bare.ports.h1}"
        assert httpx.get(f"{base}/baseline11?a=1&b=2").text == "3"
        assert httpx.get(f"{base}/json/5").json() == {"items": [], "count": 0}
        assert httpx.get(f"{base}/static/reset.css").status_code == 404
        assert httpx.get(f"{base}/async-db").json() == {"items": [], "count": 0}
        assert not accepts(bare.ports.h1_tls) and not accepts(bare.ports.h2_tls)
        with postgres.throwaway_postgres(port=database_port, rows=10):  # the database comes up
            rows = httpx.get(f"{base}/async-db?min=1&max=500").json()
            assert rows["count"] == 10  # the pool is made on the first request that finds it
    assert bare.process.returncode == 0
    assert not accepts(bare.ports.h1) and not accepts(bare.ports.h2c)
