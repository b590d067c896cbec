"""Per-stream server options over HTTP/2, by a raw client on a real socket: ``--timeout-body``,
``--proxy-headers`` / ``--forwarded-allow-ips`` and ``--limit-concurrency``."""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.h2client import RawH2  # noqa: E402
from tests.server.serving import serve, wait_until  # noqa: E402

PROXIED = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")]


def test_a_request_body_that_stops_coming_gets_408() -> None:
    with serve(make_app(Seen()), timeout_body=0.3) as running:
        client = RawH2(running)
        stream = client.request("/echo", method="POST", body=b"the start", end=False)
        client.read(lambda: client.done(stream))
        assert client.streams[stream].status == 408
        after = client.request("/after")  # the connection lives on
        client.read(lambda: client.done(after))
        assert client.streams[after].status == 200
        client.close()


def test_an_app_that_answered_sees_a_disconnect_when_the_body_stops() -> None:
    seen = Seen()
    with serve(make_app(seen), timeout_body=0.3) as running:
        client = RawH2(running)
        stream = client.request("/until-disconnect", method="POST", body=b"x", end=False)
        client.read(lambda: client.done(stream))
        assert client.streams[stream].reset is not None
        wait_until(seen.disconnected.is_set, "the app saw http.disconnect")
        client.close()


def test_a_slow_body_that_keeps_coming_is_not_timed_out() -> None:
    with serve(make_app(Seen()), timeout_body=0.4) as running:
        client = RawH2(running)
        stream = client.request("/echo", method="POST", body=b"a" * 2048, end=False)
        for _ in range(4):  # 0.8 s in all: twice the body timeout
            client.quiet_for(0.2)
            client.h2.send_data(stream, b"b" * 2048)
            client.flush()
        client.h2.end_stream(stream)
        client.flush()
        client.read(lambda: client.done(stream))
        assert client.streams[stream].status == 200
        assert bytes(client.streams[stream].data).startswith(b"10240 ")
        client.close()


def test_a_trusted_proxy_names_the_client_and_scheme_of_a_stream() -> None:
    seen = Seen()
    with serve(make_app(seen), forwarded_allow_ips="127.0.0.1") as running:
        client = RawH2(running)
        stream = client.request("/", extra=PROXIED)
        client.read(lambda: client.done(stream))
        assert seen.scopes[0]["client"] == ("203.0.113.7", 0)
        assert seen.scopes[0]["scheme"] == "https"
        client.close()


def test_an_untrusted_peer_cannot_name_the_client() -> None:
    seen = Seen()
    with serve(make_app(seen), forwarded_allow_ips="192.0.2.1") as running:
        client = RawH2(running)
        stream = client.request("/", extra=PROXIED)
        client.read(lambda: client.done(stream))
        assert seen.scopes[0]["client"][0] == "127.0.0.1"
        assert seen.scopes[0]["scheme"] == "http"
        client.close()


def test_streams_past_limit_concurrency_get_503() -> None:
    seen = Seen()
    with serve(make_app(seen), limit_concurrency=2) as running:
        client = RawH2(running)
        held = [client.request("/held") for _ in range(2)]
        wait_until(lambda: len(seen.scopes) == 2, "both requests reached the app")
        refused = client.request("/refused")
        client.read(lambda: client.done(refused))
        assert client.streams[refused].status == 503
        seen.release()
        client.read(lambda: all(client.done(s) for s in held))
        assert [client.streams[s].status for s in held] == [200, 200]
        again = client.request("/again")  # the requests in flight have ended: served
        client.read(lambda: client.done(again))
        assert client.streams[again].status == 200
        assert [s["path"] for s in seen.scopes] == ["/held", "/held", "/again"]
        client.close()
