"""StaticFiles mounted on an App, served by Squall's server (native path, sendfile) and by
uvicorn (plain ASGI): contents, types, validators, 304, ranges, HEAD, precompressed
siblings, html mode, methods.  Clients: httpx and curl."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import httpx
import pytest

from squall import App
from squall.staticfiles import StaticFiles
from tests.framework.static_tree import (
    BIG,
    HELLO,
    SCRIPT,
    SCRIPT_BR,
    SCRIPT_ZST,
    SERVERS,
    curl,
    serving,
)

Serve = Callable[[Any], Any]


@pytest.fixture(scope="module", params=SERVERS)
def base(request: pytest.FixtureRequest, static_dir: Path) -> Iterator[str]:
    app = App()
    app.mount("/static", StaticFiles(directory=static_dir))
    app.mount("/site", StaticFiles(directory=static_dir, html=True))

    @app.get("/")
    async def home() -> dict[str, str]:
        return {"home": "yes"}

    with serving(request.param)(app) as url:
        yield url


def test_a_file_with_its_type_length_and_validators(base: str) -> None:
    response = httpx.get(f"{base}/static/hello.txt")
    assert response.status_code == 200
    assert response.content == HELLO
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-length"] == str(len(HELLO))
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith(" GMT")
    assert response.headers["accept-ranges"] == "bytes"
    assert httpx.get(f"{base}/").json() == {"home": "yes"}  # the app's own routes still work


def test_a_big_file_arrives_whole(base: str) -> None:
    response = httpx.get(f"{base}/static/big.bin")
    assert response.status_code == 200
    assert response.content == BIG


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("module.mjs", "text/javascript; charset=utf-8"),
        ("code.wasm", "application/wasm"),
        ("image.webp", "image/webp"),
        ("image.avif", "image/avif"),
        ("style.css", "text/css; charset=utf-8"),
        ("big.bin", "application/octet-stream"),
    ],
)
def test_media_types(base: str, name: str, media_type: str) -> None:
    response = httpx.get(f"{base}/static/{name}", headers={"accept-encoding": "identity"})
    assert response.headers["content-type"] == media_type


def test_head_sends_the_headers_without_the_body(base: str) -> None:
    answer = curl(f"{base}/static/big.bin", head=True)
    assert answer.status == 200
    assert answer.headers["content-length"] == str(len(BIG))
    assert answer.body == b""


def test_if_none_match_gets_a_304(base: str) -> None:
    etag = httpx.get(f"{base}/static/hello.txt").headers["etag"]
    for tag in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        answer = curl(f"{base}/static/hello.txt", "-H", f"if-none-match: {tag}")
        assert answer.status == 304, tag
        assert answer.body == b""
        assert answer.headers["etag"] == etag
    assert curl(f"{base}/static/hello.txt", "-H", 'if-none-match: "other"').status == 200


def test_if_modified_since(base: str, static_dir: Path) -> None:
    mtime = (static_dir / "hello.txt").stat().st_mtime
    later = formatdate(mtime + 60, usegmt=True)
    earlier = formatdate(mtime - 60, usegmt=True)
    assert curl(f"{base}/static/hello.txt", "-H", f"if-modified-since: {later}").status == 304
    answer = curl(f"{base}/static/hello.txt", "-H", f"if-modified-since: {earlier}")
    assert (answer.status, answer.body) == (200, HELLO)


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [("0-4", 0, 4), ("7-", 7, len(HELLO) - 1), ("-6", len(HELLO) - 6, len(HELLO) - 1)],
)
def test_one_range(base: str, spec: str, first: int, last: int) -> None:
    answer = curl(f"{base}/static/hello.txt", "-H", f"range: bytes={spec}")
    assert answer.status == 206
    assert answer.headers["content-range"] == f"bytes {first}-{last}/{len(HELLO)}"
    assert answer.body == HELLO[first : last + 1]


def test_a_range_of_a_big_file(base: str) -> None:
    answer = curl(f"{base}/static/big.bin", "-r", "100000-2999999")
    assert answer.status == 206
    assert answer.body == BIG[100000:3000000]


def test_several_ranges_are_multipart(base: str) -> None:
    response = httpx.get(f"{base}/static/hello.txt", headers={"range": "bytes=0-4,7-11"})
    assert response.status_code == 206
    media_type, _, boundary = response.headers["content-type"].partition("; boundary=")
    assert media_type == "multipart/byteranges"
    assert response.headers["content-length"] == str(len(response.content))
    parts = response.content.split(f"--{boundary}".encode())
    assert parts[0] == b"" and parts[-1] == b"--\r\n"
    for part, (first, last) in zip(parts[1:-1], [(0, 4), (7, 11)], strict=True):
        head, _, data = part.partition(b"\r\n\r\n")
        assert f"content-range: bytes {first}-{last}/{len(HELLO)}".encode() in head
        assert b"content-type: text/plain; charset=utf-8" in head
        assert data.removesuffix(b"\r\n") == HELLO[first : last + 1]


def test_an_unsatisfiable_range_gets_a_416(base: str) -> None:
    answer = curl(f"{base}/static/hello.txt", "-H", "range: bytes=1000-2000")
    assert answer.status == 416
    assert answer.headers["content-range"] == f"bytes */{len(HELLO)}"
    assert answer.body == b""


def test_a_malformed_range_is_ignored(base: str) -> None:
    answer = curl(f"{base}/static/hello.txt", "-H", "range: bytes=5-2")
    assert (answer.status, answer.body) == (200, HELLO)


def test_if_range(base: str) -> None:
    etag = httpx.get(f"{base}/static/hello.txt").headers["etag"]
    fresh = curl(f"{base}/static/hello.txt", "-H", "range: bytes=0-4", "-H", f"if-range: {etag}")
    assert (fresh.status, fresh.body) == (206, HELLO[:5])
    stale = curl(f"{base}/static/hello.txt", "-H", "range: bytes=0-4", "-H", 'if-range: "old"')
    assert (stale.status, stale.body) == (200, HELLO)


@pytest.mark.parametrize(
    ("accept", "coding", "body"),
    [
        ("br, gzip", "br", SCRIPT_BR),
        ("gzip", "gzip", None),
        ("zstd", "zstd", SCRIPT_ZST),
        ("gzip;q=0.9, br;q=0.5", "gzip", None),
        ("br;q=0, gzip;q=0.1", "gzip", None),
        ("identity;q=0, *", "br", SCRIPT_BR),
        ("br;q=0.5, identity", None, SCRIPT),
        ("compress", None, SCRIPT),
        ("identity", None, SCRIPT),
    ],
)
def test_precompressed_siblings(
    base: str, accept: str, coding: str | None, body: bytes | None
) -> None:
    answer = curl(f"{base}/static/app.js", "-H", f"accept-encoding: {accept}")
    assert answer.status == 200
    assert answer.headers.get("content-encoding") == coding
    assert answer.headers["vary"] == "accept-encoding"
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    if body is not None:
        assert answer.body == body
    else:  # gzip: the real thing
        import gzip

        assert gzip.decompress(answer.body) == SCRIPT


def test_each_encoding_has_its_own_etag(base: str) -> None:
    tags = {
        curl(f"{base}/static/app.js", "-H", f"accept-encoding: {coding}").headers["etag"]
        for coding in ("br", "gzip", "zstd", "identity")
    }
    assert len(tags) == 4
    br_tag = curl(f"{base}/static/app.js", "-H", "accept-encoding: br").headers["etag"]
    again = curl(
        f"{base}/static/app.js", "-H", "accept-encoding: br", "-H", f"if-none-match: {br_tag}"
    )
    assert again.status == 304


def test_a_range_request_gets_the_file_itself(base: str) -> None:
    answer = curl(f"{base}/static/app.js", "-H", "accept-encoding: br", "-r", "0-6")
    assert answer.status == 206
    assert "content-encoding" not in answer.headers
    assert answer.body == SCRIPT[:7]


def test_html_mode(base: str) -> None:
    assert httpx.get(f"{base}/site/").content == b"<h1>home</h1>"
    assert httpx.get(f"{base}/site/docs/").content == b"<h1>docs</h1>"
    redirect = httpx.get(f"{base}/site/docs?x=1")
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/site/docs/?x=1"
    missing = httpx.get(f"{base}/site/nowhere")
    assert (missing.status_code, missing.content) == (404, b"<h1>lost</h1>")
    assert missing.headers["content-type"] == "text/html; charset=utf-8"
    no_index = httpx.get(f"{base}/site/plain/")
    assert (no_index.status_code, no_index.content) == (404, b"<h1>lost</h1>")


def test_without_html_mode_directories_and_missing_files_are_404(base: str) -> None:
    for path in ("/static/docs", "/static/docs/", "/static", "/static/nowhere.txt"):
        response = httpx.get(f"{base}{path}")
        assert response.status_code == 404, path
        assert response.text == "Not Found\n"


def test_other_methods_get_405_with_allow(base: str) -> None:
    for method in ("POST", "PUT", "DELETE", "OPTIONS"):
        response = httpx.request(method, f"{base}/static/hello.txt")
        assert response.status_code == 405, method
        assert response.headers["allow"] == "GET, HEAD"


def test_files_are_read_afresh_on_every_request(base: str, static_dir: Path) -> None:
    path = static_dir / f"changing-{base.rsplit(':', 1)[1]}.txt"
    path.write_bytes(b"first")
    url = f"{base}/static/{path.name}"
    assert httpx.get(url).content == b"first"
    path.write_bytes(b"changed")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert httpx.get(url).content == b"changed"
    path.unlink()
    assert httpx.get(url).status_code == 404


def test_a_missing_directory_is_refused_at_once(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="does not exist"):
        StaticFiles(directory=tmp_path / "nowhere")
    StaticFiles(directory=tmp_path / "nowhere", check_dir=False)


def test_files_from_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from squall.testing import TestClient

    package = tmp_path / "site_pkg_for_static"
    (package / "statics").mkdir(parents=True)
    (package / "assets").mkdir()
    (package / "__init__.py").write_text("")
    (package / "statics" / "a.txt").write_bytes(b"from statics")
    (package / "assets" / "b.txt").write_bytes(b"from assets")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = App()
    packages = ["site_pkg_for_static", ("site_pkg_for_static", "assets")]
    app.mount("/s", StaticFiles(packages=packages))
    with TestClient(app) as client:
        assert client.get("/s/a.txt").content == b"from statics"
        assert client.get("/s/b.txt").content == b"from assets"
    with pytest.raises(RuntimeError, match="could not be found"):
        StaticFiles(packages=[("site_pkg_for_static", "nowhere")])
