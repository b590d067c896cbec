"""The adapter (connection_core.py): a real server whose HTTP/2 connections run on our codec,
with real clients: curl with prior knowledge, httpx with ``http2=True`` (bodies past every
window, a stream of parts), h2load.  No option chooses the adapter yet: the tests put it where
choice.py takes the HTTP/2 protocol from."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import hashlib  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

from squall.server.http2 import connection  # noqa: E402
from squall.server.http2.connection_core import CoreProtocol  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.test_clients import BIG, curl, h2load  # noqa: E402
from tests.server.serving import serve  # noqa: E402


@pytest.fixture(autouse=True)
def our_codec(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(connection, "H2Protocol", CoreProtocol)
    yield


def test_curl_and_httpx_over_our_codec() -> None:
    seen = Seen()
    with serve(make_app(seen)) as running:
        out = curl("--http2-prior-knowledge", "-w", " %{http_version}", f"{running.url}/a?b=1")
        assert out == "GET /a b=1 2 2"
        with httpx.Client(http1=False, http2=True) as client:
            assert client.get(f"{running.url}/").text == "GET /  2"
            echoed = client.post(f"{running.url}/echo", content=BIG)
            assert echoed.text == f"{len(BIG)} {hashlib.sha256(BIG).hexdigest()}"
            assert client.get(f"{running.url}/stream").text == "part0;part1;part2;part3;part4;end"
            assert client.get(f"{running.url}/big?size=3000000").content == b"x" * 3_000_000
    assert all(scope["http_version"] == "2" for scope in seen.scopes)


def test_h2load_every_request_answered() -> None:
    with serve(make_app(Seen())) as running:
        out = h2load(f"{running.url}/")
        assert "1000 succeeded, 0 failed, 0 errored" in out, out
        assert "status codes: 1000 2xx" in out, out
