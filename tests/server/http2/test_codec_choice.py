"""``--h2-codec squall|h2``: which codec a server's HTTP/2 connections run on (h2c by prior
knowledge, and taken over from HTTP/1.1), with real clients on each: curl, httpx with
``http2=True`` (bodies past every window, a stream of parts), h2load."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

import hashlib  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

from squall.server.cli import build_parser, config_from_args  # noqa: E402
from squall.server.config import Config, ConfigError  # noqa: E402
from squall.server.http2.core import H2Core  # noqa: E402
from squall.server.http2.library import LibraryCodec  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.h2client import RawH2  # noqa: E402
from tests.server.http2.test_clients import BIG, curl, h2load  # noqa: E402
from tests.server.serving import (  # noqa: E402
    REPO,
    TEST_LOOP,
    bound_socket,
    serve,
    server_connection,
    wait_for_port,
)

CODECS = {"squall": H2Core, "h2": LibraryCodec}


def test_the_default_is_our_codec_and_the_flag_reaches_the_config() -> None:
    assert Config(app="m:a").h2_codec == "squall"
    args = build_parser().parse_args(["m:a", "--h2-codec", "h2"])
    assert config_from_args(args).h2_codec == "h2"
    with pytest.raises(ConfigError, match="squall or h2"):
        Config(app="m:a", h2_codec="nghttp2")  # type: ignore[arg-type]


@pytest.mark.parametrize("codec", ["squall", "h2"])
@pytest.mark.parametrize("http", ["auto", "h2"])
def test_the_connection_runs_on_the_chosen_codec(codec: str, http: str) -> None:
    with serve(make_app(Seen()), h2_codec=codec, http=http) as running:
        client = RawH2(running)
        stream = client.request("/")
        client.read(lambda: client.done(stream))
        assert client.streams[stream].status == 200
        assert type(server_connection(running, client.sock).h2) is CODECS[codec]
        client.close()


@pytest.mark.parametrize("codec", ["squall", "h2"])
def test_curl_and_httpx_on_each_codec(codec: str) -> None:
    seen = Seen()
    with serve(make_app(seen), h2_codec=codec) as running:
        out = curl("--http2-prior-knowledge", "-w", " %{http_version}", f"{running.url}/a?b=1")
        assert out == "GET /a b=1 2 2"
        with httpx.Client(http1=False, http2=True) as client:
            assert client.get(f"{running.url}/").text == "GET /  2"
            echoed = client.post(f"{running.url}/echo", content=BIG)
            assert echoed.text == f"{len(BIG)} {hashlib.sha256(BIG).hexdigest()}"
            assert client.get(f"{running.url}/stream").text == "part0;part1;part2;part3;part4;end"
            assert client.get(f"{running.url}/big?size=3000000").content == b"x" * 3_000_000
    assert all(scope["http_version"] == "2" for scope in seen.scopes)


@pytest.mark.parametrize("codec", ["squall", "h2"])
def test_h2load_every_request_answered(codec: str) -> None:
    with serve(make_app(Seen()), h2_codec=codec) as running:
        out = h2load(f"{running.url}/")
        assert "1000 succeeded, 0 failed, 0 errored" in out, out
        assert "status codes: 1000 2xx" in out, out


# ``python -m squall`` with the h2 library (and its hpack and hyperframe) made unimportable.
WITHOUT_H2 = (
    "import runpy, sys; sys.modules.update(dict.fromkeys(('h2', 'hpack', 'hyperframe')));"
    "runpy.run_module('squall', run_name='__main__', alter_sys=True)"
)


def test_our_codec_serves_http2_without_the_h2_library() -> None:
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    app = "tests.server.http2.apps:secret_app"
    command = [sys.executable, "-c", WITHOUT_H2, app, "--port", str(port), "--loop", TEST_LOOP]
    proc = subprocess.Popen(
        [*command, "--h2-codec", "squall"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc)
        out = curl("--http2-prior-knowledge", "-D", "-", f"http://127.0.0.1:{port}/")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert out.startswith("HTTP/2 200"), out
    assert "authorization: Bearer x" in out
    assert out.endswith("\r\n\r\n2")
