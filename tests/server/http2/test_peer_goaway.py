"""A client's GOAWAY while its streams are still being served (h2load sends one as it stops).

h2 sends nothing more once it has received a GOAWAY, so those streams can't be answered: their
apps see a disconnect (``send`` raises ClientGone, which is not an error) and the connection
closes. Before, each app's response raised h2's ProtocolError, logged as an app error and again
from the 500 meant to replace it.
"""

from __future__ import annotations

from tests.server.http2 import require_h2

require_h2()

from tests.server.http2.apps import Seen, make_app  # noqa: E402
from tests.server.http2.h2client import RawH2  # noqa: E402
from tests.server.serving import captured_errors, read_until_closed, serve, wait_until  # noqa: E402


def test_goaway_from_the_client_disconnects_its_open_streams_quietly() -> None:
    seen = Seen()
    with captured_errors() as errors, serve(make_app(seen), timeout_graceful_shutdown=2) as running:
        client = RawH2(running)
        held = client.request("/held")
        wait_until(seen.held.is_set, "the app to hold the request")
        client.h2.close_connection()
        client.flush()
        read_until_closed(client.sock)  # (the client's h2 takes no frames after its GOAWAY)
        seen.release()  # the app answers now, to a client that has gone away
        state = running.server.state
        assert state is not None
        wait_until(lambda: not state.active_requests, "the app to end")
        assert not client.streams[held].ended
        assert seen.scopes[0]["path"] == "/held"
        client.close()
    assert errors.records == [], errors.messages()
