"""The docs assets compressed by Accept-Encoding (squall/openapi/asset_encodings.py), over
real sockets with httpx on Squall's server (native path) and uvicorn (ASGI path): the bytes
on the wire, the coding chosen, 304s per copy, each copy made once."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from typing import Any

import brotli  # type: ignore[import-untyped]
import httpx
import pytest

from squall.openapi import asset_encodings
from squall.openapi.assets import find_packaged_assets
from tests.framework.openapi_docs.store import docs_app
from tests.framework.openapi_docs.test_assets import requires_docs_extra

pytestmark = requires_docs_extra
BUNDLE = "/docs/assets/swagger-ui-bundle.js"


def on_the_wire(client: httpx.Client, accept: str) -> tuple[str, bytes]:
    """The coding and the raw (undecoded) bytes of the bundle's answer to ``accept``."""
    with client.stream("GET", BUNDLE, headers={"accept-encoding": accept}) as response:
        assert response.status_code == 200
        raw = b"".join(response.iter_raw())
        return response.headers.get("content-encoding", "identity"), raw


def test_the_bundle_is_sent_compressed_as_the_client_accepts(
    serve_app: Callable[[Any], Any],
) -> None:
    packaged = find_packaged_assets()
    assert packaged is not None
    original = packaged.files["swagger-ui-bundle.js"].read_bytes()
    with serve_app(docs_app()) as url, httpx.Client(base_url=url, timeout=30) as client:
        sent = {accept: on_the_wire(client, accept) for accept in
                ("identity", "gzip", "br", "gzip, deflate, br", "br;q=0.5, gzip", "*;q=0, identity")}  # fmt: skip
    assert sent["identity"] == ("identity", original)
    assert sent["*;q=0, identity"] == ("identity", original)
    assert sent["gzip"][0] == sent["br;q=0.5, gzip"][0] == "gzip"
    assert sent["br"][0] == sent["gzip, deflate, br"][0] == "br"
    assert gzip.decompress(sent["gzip"][1]) == original
    assert brotli.decompress(sent["br"][1]) == original
    # 1.5 MB as it is; a quarter of it gzipped (level 9), less with brotli (quality 9).
    assert len(sent["br"][1]) < len(sent["gzip"][1]) < len(original) // 3


def test_each_copy_has_its_own_etag_and_304(serve_app: Callable[[Any], Any]) -> None:
    with serve_app(docs_app()) as url, httpx.Client(base_url=url) as client:
        gzipped = client.get(BUNDLE, headers={"accept-encoding": "gzip"})
        plain = client.get(BUNDLE, headers={"accept-encoding": "identity"})
        assert gzipped.headers["etag"] != plain.headers["etag"]
        again = client.get(
            BUNDLE,
            headers={"accept-encoding": "gzip", "if-none-match": gzipped.headers["etag"]},
        )
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == gzipped.headers["etag"]
        other = client.get(
            BUNDLE, headers={"accept-encoding": "gzip", "if-none-match": plain.headers["etag"]}
        )
        assert other.status_code == 200 and other.headers["content-encoding"] == "gzip"


def test_each_copy_is_made_once(
    serve_app: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []
    monkeypatch.setattr(asset_encodings, "_made", {})

    def counting(data: bytes) -> bytes:
        made.append(len(data))
        return gzip.compress(data, 1)

    monkeypatch.setitem(asset_encodings.ENCODERS, "gzip", counting)
    with serve_app(docs_app()) as url:
        answers: list[int] = []

        def fetch() -> None:
            with httpx.Client(base_url=url, timeout=30) as client:
                answers.append(client.get(BUNDLE, headers={"accept-encoding": "gzip"}).status_code)

        threads = [threading.Thread(target=fetch) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert answers == [200] * 4
    assert len(made) == 1  # four requests at once, one copy made
