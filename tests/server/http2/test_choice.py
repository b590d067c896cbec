"""``--http auto|h1|h2`` and the ``--h2-*`` options: what each speaks, offers by ALPN, refuses."""

from __future__ import annotations

import socket

import pytest

from tests.server.http2 import require_h2

require_h2()

from squall.server import http2  # noqa: E402
from squall.server.cli import build_parser, config_from_args  # noqa: E402
from squall.server.config import Config, ConfigError  # noqa: E402
from squall.server.http2.settings import check  # noqa: E402
from squall.server.tls import alpn_protocols  # noqa: E402
from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.serving import read_until_closed, serve  # noqa: E402


@pytest.mark.parametrize(
    ("http", "offered"),
    [
        ("auto", ["h2", "http/1.1"]),
        ("httptools", ["h2", "http/1.1"]),  # uvicorn's name: the same as auto
        ("h1", ["http/1.1"]),
        ("h2", ["h2"]),
    ],
)
def test_alpn_offers_what_http_allows(http: str, offered: list[str]) -> None:
    assert alpn_protocols(Config(app="x:y", http=http)) == offered  # type: ignore[arg-type]


def test_without_h2_installed_our_codec_speaks_and_the_h2_codec_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http2, "installed", lambda: False)
    assert alpn_protocols(Config(app="x:y")) == ["h2", "http/1.1"]
    assert alpn_protocols(Config(app="x:y", http="h2")) == ["h2"]
    with pytest.raises(ConfigError, match=r"squall\[http2\]"):
        alpn_protocols(Config(app="x:y", h2_codec="h2"))


def test_unknown_http_choice_is_refused() -> None:
    with pytest.raises(ConfigError, match="auto, h1 or h2"):
        Config(app="x:y", http="h3")  # type: ignore[arg-type]


def test_the_h2_flags_reach_the_config() -> None:
    flags = "m:a --http h2 --h2-max-concurrent-streams 7 --h2-initial-window-size 1m"
    flags += " --h2-max-frame-size 32k --h2-max-header-list-size 8k"
    args = build_parser().parse_args(flags.split())
    config = config_from_args(args)
    assert config.http == "h2"
    assert config.h2_max_concurrent_streams == 7
    assert config.h2_initial_window_size == 1024 * 1024
    assert config.h2_max_frame_size == 32 * 1024
    assert config.h2_max_header_list_size == 8 * 1024


@pytest.mark.parametrize(
    "options",
    [
        {"h2_max_frame_size": 1000},
        {"h2_initial_window_size": 2**31},
        {"h2_max_concurrent_streams": 0},
    ],
)
def test_settings_rfc_9113_forbids_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(ConfigError, match="--h2-"):
        check(Config(app="x:y", **options))  # type: ignore[arg-type]


def test_http2_only_in_cleartext_answers_no_http11_request() -> None:
    with serve(make_app(Seen()), http="h2") as running:
        raw = socket.create_connection((running.host, running.port), timeout=5)
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_until_closed(raw)
        raw.close()
    assert not answer.startswith(b"HTTP/1.1")  # h2's GOAWAY (PROTOCOL_ERROR), then the close
