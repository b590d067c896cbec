"""Proxy headers: the trusted-peer list, the header parsers, and a real server applying them.

The unit tests call squall/server/proxy_headers.py directly; the end-to-end ones start a
server (in-process on the test loop, and the ``squall`` CLI) and spoof the headers from a real
socket, once from a trusted peer and once from one the server does not trust.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from squall import App, Request
from squall.server.config import Config, ConfigError
from squall.server.proxy_headers import (
    DEFAULT_ALLOW,
    MalformedNode,
    TrustedPeers,
    parse_forwarded,
    parse_node,
    trusted_peers,
    websocket_scheme,
)
from tests.server.serving import REPO, cli_command, connect, read_response, serve, wait_for_port

PROXY = ("127.0.0.1", 50000)


def resolve(
    headers: list[tuple[str, str]],
    allow: str = "127.0.0.1",
    client: tuple[str, int] | None = PROXY,
    scheme: str = "http",
) -> tuple[tuple[str, int] | None, str] | None:
    raw = [(name.lower().encode(), value.encode("latin-1")) for name, value in headers]
    return TrustedPeers.parse(allow).resolve(raw, client, scheme)


# -- Trusted peers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allow", "peer", "trusted"),
    [
        ("127.0.0.1", ("127.0.0.1", 1), True),
        ("127.0.0.1", ("127.0.0.2", 1), False),
        ("10.0.0.0/8, 192.168.1.1", ("10.200.3.4", 1), True),
        ("10.0.0.0/8, 192.168.1.1", ("192.168.1.1", 1), True),
        ("10.0.0.0/8, 192.168.1.1", ("192.168.1.2", 1), False),
        ("2001:db8::/32", ("2001:db8:0:0::7", 1, 0, 0), True),
        ("2001:db8::/32", ("2001:db9::7", 1, 0, 0), False),
        ("::1", ("0:0:0:0:0:0:0:1", 1, 0, 0), True),  # compared as addresses, not strings
        ("127.0.0.1", ("::ffff:127.0.0.1", 1, 0, 0), True),  # IPv4-mapped
        ("*", ("203.0.113.9", 1), True),
        ("*", "", True),
        ("127.0.0.1", "", False),  # a Unix socket peer
        ("127.0.0.1", None, False),
        ("127.0.0.1,unix:", "", True),
        ("127.0.0.1,unix:", "/run/squall.sock", True),
        ("unix:", ("127.0.0.1", 1), False),
        ("", ("127.0.0.1", 1), False),
    ],
)
def test_trusted_peers(allow: str, peer: Any, trusted: bool) -> None:
    assert TrustedPeers.parse(allow).trusts_peer(peer) is trusted


def test_trusted_peers_from_a_list() -> None:
    peers = TrustedPeers.parse(["10.0.0.1", " 10.1.0.0/16 "])
    assert peers.trusts_host("10.1.2.3") and peers.trusts_host("10.0.0.1")
    assert not peers.trusts_host("not-an-ip") and not peers.trusts_host("")


@pytest.mark.parametrize("entry", ["localhost", "10.0.0.0/33", "300.1.1.1", "unix"])
def test_a_bad_entry_is_a_config_error(entry: str) -> None:
    with pytest.raises(ConfigError, match="forwarded-allow-ips"):
        TrustedPeers.parse(f"127.0.0.1,{entry}")


def test_the_default_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    default = trusted_peers(Config(app="x:y"))
    assert default is not None and DEFAULT_ALLOW == "127.0.0.1,::1,unix:"
    assert default.trusts_peer(("127.0.0.1", 1)) and default.trusts_peer(("::1", 1, 0, 0))
    assert default.trusts_peer("") and not default.trusts_peer(("10.0.0.1", 1))
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1")
    from_env = trusted_peers(Config(app="x:y"))
    assert from_env is not None and from_env.trusts_peer(("10.0.0.1", 1))
    assert not from_env.trusts_peer(("127.0.0.1", 1))
    explicit = trusted_peers(Config(app="x:y", forwarded_allow_ips="10.0.0.2"))
    assert explicit is not None and explicit.trusts_peer(("10.0.0.2", 1))
    assert trusted_peers(Config(app="x:y", proxy_headers=False)) is None


# -- X-Forwarded-For / X-Forwarded-Proto -------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "allow", "expected"),
    [
        # One proxy: the hop it saw is the client.
        ([("X-Forwarded-For", "203.0.113.7")], "127.0.0.1", (("203.0.113.7", 0), "http")),
        # A chain: trusted hops on the right are skipped, the right-most untrusted one wins.
        (
            [("X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.0.0.5")],
            "127.0.0.1,10.0.0.0/8",
            (("203.0.113.7", 0), "http"),
        ),
        # Spoofing: the client's own X-Forwarded-For entries stay left of the real one.
        (
            [("X-Forwarded-For", "1.2.3.4, 203.0.113.7")],
            "127.0.0.1",
            (("203.0.113.7", 0), "http"),
        ),
        # Every hop trusted: the left-most one.
        (
            [("X-Forwarded-For", "10.0.0.1, 10.0.0.2")],
            "127.0.0.1,10.0.0.0/8",
            (("10.0.0.1", 0), "http"),
        ),
        # "*": every hop trusted, so the left-most.
        ([("X-Forwarded-For", "1.2.3.4, 203.0.113.7")], "*", (("1.2.3.4", 0), "http")),
        # Several lines are one list.
        (
            [("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-For", "203.0.113.7, 10.0.0.9")],
            "127.0.0.1,10.0.0.9",
            (("203.0.113.7", 0), "http"),
        ),
        # IPv6, bare and in brackets with a port; ports of IPv4 entries.
        ([("X-Forwarded-For", "2001:db8::1")], "127.0.0.1", (("2001:db8::1", 0), "http")),
        (
            [("X-Forwarded-For", "[2001:db8::1]:4711")],
            "127.0.0.1",
            (("2001:db8::1", 4711), "http"),
        ),
        ([("X-Forwarded-For", "203.0.113.7:4711")], "127.0.0.1", (("203.0.113.7", 4711), "http")),
        # Proto alone, and with the hops.
        ([("X-Forwarded-Proto", "https")], "127.0.0.1", (PROXY, "https")),
        ([("X-Forwarded-Proto", "HTTPS")], "127.0.0.1", (PROXY, "https")),
        ([("X-Forwarded-Proto", "wss")], "127.0.0.1", (PROXY, "https")),
        (
            [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")],
            "127.0.0.1",
            (("203.0.113.7", 0), "https"),
        ),
        # Proto lists as long as the hop list line up with them.
        (
            [("X-Forwarded-For", "203.0.113.7, 10.0.0.1"), ("X-Forwarded-Proto", "https, http")],
            "127.0.0.1,10.0.0.1",
            (("203.0.113.7", 0), "https"),
        ),
        # unknown / obfuscated: the proxy does not say who the client is.
        ([("X-Forwarded-For", "unknown")], "127.0.0.1", (None, "http")),
        ([("X-Forwarded-For", "_hidden, 10.0.0.1")], "127.0.0.1,10.0.0.1", (None, "http")),
    ],
)
def test_x_forwarded(
    headers: list[tuple[str, str]],
    allow: str,
    expected: tuple[tuple[str, int] | None, str],
) -> None:
    assert resolve(headers, allow) == expected


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("X-Forwarded-For", "")],
        [("X-Forwarded-For", " , ,")],
        [("X-Forwarded-For", "not an address")],
        [("X-Forwarded-For", "203.0.113.7:99999")],
        [("X-Forwarded-For", "203.0.113.7:http")],
        [("X-Forwarded-For", "[203.0.113.7]")],
        [("X-Forwarded-For", "[2001:db8::1")],
        [("X-Forwarded-For", "[2001:db8::1]x")],
        [("X-Forwarded-For", "999.1.1.1")],
        [("X-Forwarded-For", "\xe9t\xe9")],
        [("X-Forwarded-Proto", "ftp")],
        [("X-Forwarded-Proto", "")],
        [("X-Forwarded-Proto", "http")],  # what it was already: no change
        [("X-Real-IP", "203.0.113.7")],
    ],
)
def test_malformed_or_useless_headers_change_nothing(headers: list[tuple[str, str]]) -> None:
    assert resolve(headers) is None


# -- Forwarded (RFC 7239) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "nodes"),
    [
        ("for=192.0.2.60;proto=http;by=203.0.113.43", [("192.0.2.60", "http")]),
        ('for="_gazonk"', [("_gazonk", None)]),
        ('For="[2001:db8:cafe::17]:4711"', [("[2001:db8:cafe::17]:4711", None)]),
        ("for=192.0.2.43, for=198.51.100.17", [("192.0.2.43", None), ("198.51.100.17", None)]),
        (
            "for=192.0.2.43,for=198.51.100.17;by=203.0.113.60;proto=http;host=example.com",
            [("192.0.2.43", None), ("198.51.100.17", "http")],
        ),
        ('for="a\\"b;c,d"', [('a"b;c,d', None)]),  # quoted-pair, delimiters inside quotes
        ("for=unknown ; proto=https", [("unknown", "https")]),
        ("proto=https", [("", "https")]),
        ("for=1.2.3.4;;proto=https", [("1.2.3.4", "https")]),  # empty pairs are allowed
        (",for=1.2.3.4,", [("1.2.3.4", None)]),  # and empty elements
        ("for=[2001:db8::1]", [("[2001:db8::1]", None)]),  # unquoted brackets: accepted
    ],
)
def test_forwarded_parser(value: str, nodes: list[tuple[str, str | None]]) -> None:
    hops = parse_forwarded(value.encode("latin-1"))
    assert hops is not None
    assert hops == nodes


@pytest.mark.parametrize(
    "value",
    [
        "",
        "for",
        "for=",
        "=1.2.3.4",
        'for="1.2.3.4',  # an unclosed quote
        "for=1.2.3.4 proto=https",  # no separator
        "for=1.2.3.4;for=5.6.7.8",  # a parameter twice in an element
        "for=1.2.3.4;proto=https x",
        'for="a\x01b"',  # a control in a quoted-string
        "for=a b",
    ],
)
def test_forwarded_parser_rejects_malformed_values(value: str) -> None:
    assert parse_forwarded(value.encode("latin-1")) is None


@pytest.mark.parametrize(
    ("headers", "allow", "expected"),
    [
        (
            [("Forwarded", "for=203.0.113.7;proto=https")],
            "127.0.0.1",
            (("203.0.113.7", 0), "https"),
        ),
        (
            [("Forwarded", 'for="[2001:db8:cafe::17]:4711";proto=https')],
            "127.0.0.1",
            (("2001:db8:cafe::17", 4711), "https"),
        ),
        # The hop's own proto: the right-most untrusted element's.
        (
            [("Forwarded", "for=203.0.113.7;proto=https, for=10.0.0.1;proto=http")],
            "127.0.0.1,10.0.0.1",
            (("203.0.113.7", 0), "https"),
        ),
        # Several header lines, spoofed entries on the left.
        (
            [("Forwarded", "for=1.1.1.1;proto=http"), ("Forwarded", "for=203.0.113.7")],
            "127.0.0.1",
            (("203.0.113.7", 0), "http"),
        ),
        ([("Forwarded", 'for="_gazonk"')], "127.0.0.1", (None, "http")),
        ([("Forwarded", "for=unknown;proto=https")], "127.0.0.1", (None, "https")),
        ([("Forwarded", 'for="203.0.113.7:_port"')], "127.0.0.1", (("203.0.113.7", 0), "http")),
        ([("Forwarded", "proto=https")], "127.0.0.1", (PROXY, "https")),
        # Forwarded wins over X-Forwarded-*...
        (
            [
                ("X-Forwarded-For", "198.51.100.1"),
                ("X-Forwarded-Proto", "http"),
                ("Forwarded", "for=203.0.113.7;proto=https"),
            ],
            "127.0.0.1",
            (("203.0.113.7", 0), "https"),
        ),
        # ...unless it is malformed: then it is ignored and X-Forwarded-* apply.
        (
            [("Forwarded", "for=203.0.113.7;for=1.1.1.1"), ("X-Forwarded-For", "198.51.100.1")],
            "127.0.0.1",
            (("198.51.100.1", 0), "http"),
        ),
    ],
)
def test_forwarded(
    headers: list[tuple[str, str]],
    allow: str,
    expected: tuple[tuple[str, int] | None, str],
) -> None:
    assert resolve(headers, allow) == expected


@pytest.mark.parametrize(
    "value", ['for="[1.2.3.4]"', "for=bogus", 'for="1.2.3.4:99999"', "for=foo.example"]
)
def test_forwarded_with_a_malformed_node_changes_nothing(value: str) -> None:
    assert resolve([("Forwarded", value)]) is None


def test_verdicts_are_cached_for_short_values_only() -> None:
    peers = TrustedPeers.parse("127.0.0.1")
    short = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")]
    for scheme in ("http", "https", "http"):  # cached, yet applied to each connection's own
        assert peers.resolve(short, PROXY, scheme) == (("203.0.113.7", 0), "https")
    assert peers.resolve(short, ("203.0.113.7", 0), "https") is None
    assert len(peers._verdicts) == 1
    long = [(b"x-forwarded-for", b", ".join([b"198.51.100.1"] * 100) + b", 203.0.113.8")]
    assert peers.resolve(long, PROXY, "http") == (("203.0.113.8", 0), "http")
    assert len(peers._verdicts) == 1  # a client could otherwise pin big values in memory


def test_node_forms() -> None:
    assert parse_node("192.0.2.1") == ("192.0.2.1", 0)
    assert parse_node("[::1]:80") == ("::1", 80)
    assert parse_node("2001:DB8::1") == ("2001:db8::1", 0)  # normalised
    assert parse_node("Unknown") is None
    assert parse_node("_x.y-z") is None
    for malformed in ("_", "", "[::1", "host.example", "1.2.3.4:x"):
        with pytest.raises(MalformedNode):
            parse_node(malformed)


def test_websocket_schemes() -> None:
    assert websocket_scheme("https") == "wss" and websocket_scheme("http") == "ws"


# -- Through a real server ---------------------------------------------------------------------


async def echo_peer(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An ASGI app answering with its scope's client and scheme."""
    if scope["type"] != "http":
        return
    body = json.dumps({"client": scope["client"], "scheme": scope["scheme"]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


framework = App()


@framework.get("/peer")
async def peer(request: Request) -> dict[str, Any]:
    client = request.client
    return {
        "client": None if client is None else [client.host, client.port],
        "scheme": request.url.scheme,
    }


SPOOFED = (
    b"X-Forwarded-For: 1.2.3.4, 203.0.113.7\r\nX-Forwarded-Proto: https\r\n",
    b"Forwarded: for=203.0.113.7;proto=https\r\n",
    # A head llhttp reads (the chunked body): the llhttp path applies them too.
    b"X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nTransfer-Encoding: chunked\r\n",
)


def ask(sock: socket.socket, extra: bytes) -> dict[str, Any]:
    body = b"0\r\n\r\n" if b"chunked" in extra else b""
    sock.sendall(b"GET /peer HTTP/1.1\r\nHost: test\r\n" + extra + b"\r\n" + body)
    response = read_response(sock)
    assert response.status == 200, response.body
    result: dict[str, Any] = json.loads(response.body)
    return result


@pytest.mark.parametrize("app", [echo_peer, framework], ids=["asgi", "framework"])
def test_a_trusted_peers_headers_are_applied(app: Any) -> None:
    with serve(app) as running, connect(running) as sock:
        own = list(sock.getsockname()[:2])
        for extra in SPOOFED:
            assert ask(sock, extra) == {"client": ["203.0.113.7", 0], "scheme": "https"}
        # Per request: the next request without headers is the peer itself again.
        assert ask(sock, b"") == {"client": own, "scheme": "http"}


@pytest.mark.parametrize("app", [echo_peer, framework], ids=["asgi", "framework"])
@pytest.mark.parametrize(
    "options",
    [{"forwarded_allow_ips": "10.9.9.9"}, {"proxy_headers": False}],
    ids=["untrusted", "off"],
)
def test_an_untrusted_peers_headers_are_ignored(app: Any, options: dict[str, Any]) -> None:
    with serve(app, **options) as running, connect(running) as sock:
        own = list(sock.getsockname()[:2])
        for extra in SPOOFED:
            assert ask(sock, extra) == {"client": own, "scheme": "http"}


def test_malformed_headers_from_a_trusted_peer_are_ignored() -> None:
    with serve(framework) as running, connect(running) as sock:
        own = list(sock.getsockname()[:2])
        for extra in (
            b"Forwarded: for=\r\n",
            b'Forwarded: for="unterminated\r\n',
            b"X-Forwarded-For: [::1\r\n",
            b"X-Forwarded-For: \xff\xfe\r\n",
            b"X-Forwarded-Proto: gopher\r\n",
        ):
            assert ask(sock, extra) == {"client": own, "scheme": "http"}


def test_the_access_log_names_the_forwarded_client(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="squall.access")
    with serve(echo_peer, access_log=True) as running, connect(running) as sock:
        ask(sock, b"X-Forwarded-For: 203.0.113.7\r\n")
    assert any("203.0.113.7:0 - " in record.getMessage() for record in caplog.records)


@pytest.fixture
def unix_socket_path(tmp_path: Any) -> Iterator[str]:
    path = str(tmp_path / "squall.sock")
    yield path


@pytest.mark.parametrize(("allow", "applied"), [(None, True), ("127.0.0.1", False)])
def test_unix_socket_peers_through_the_cli(
    unix_socket_path: str, allow: str | None, applied: bool
) -> None:
    """``--uds``: a Unix socket peer is trusted by default (``unix:``), not by an IP list."""
    args = ["tests.server.test_proxy_headers:echo_peer", "--uds", unix_socket_path]
    if allow is not None:
        args += ["--forwarded-allow-ips", allow]
    env = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    proc = subprocess.Popen(
        cli_command(*args), cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        transport = httpx.HTTPTransport(uds=unix_socket_path)
        with httpx.Client(transport=transport, base_url="http://squall") as client:
            wait_for_unix_socket(client, proc)
            answer = client.get("/peer", headers={"X-Forwarded-For": "203.0.113.7"}).json()
    finally:
        proc.kill()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()
    expected = ["203.0.113.7", 0] if applied else None
    assert answer == {"client": expected, "scheme": "http"}


def wait_for_unix_socket(client: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    from tests.server.serving import wait_until

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            client.get("/")
        except httpx.TransportError:
            return False
        return True

    wait_until(answers, "the server on its Unix socket", limit=10, step=0.05)


def test_a_bad_forwarded_allow_ips_stops_the_cli() -> None:
    result = subprocess.run(
        cli_command("tests.server.test_proxy_headers:echo_peer", "--forwarded-allow-ips", "nope"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "forwarded-allow-ips" in result.stderr and "Traceback" not in result.stderr


def test_the_cli_applies_headers_from_the_default_trusted_peer() -> None:
    from tests.server.serving import bound_socket

    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    proc = subprocess.Popen(
        cli_command("tests.server.test_proxy_headers:echo_peer", "--port", str(port)),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc)
        answer = httpx.get(
            f"http://127.0.0.1:{port}/", headers={"Forwarded": 'for="[2001:db8::7]";proto=https'}
        ).json()
    finally:
        proc.kill()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()
    assert answer == {"client": ["2001:db8::7", 0], "scheme": "https"}
