"""A graceful shutdown of Squall's server ends open Server-Sent Events streams at once (their
generator closed, its ``finally`` run, the chunked body ended cleanly) while an ordinary
request in flight still gets its answer; the server then exits well before its timeout.

Real components: ``python -m squall`` in a subprocess, httpx streaming the events, SIGTERM
and SIGINT.
"""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from tests.server.serving import join_all, serve_subprocess

APP = "tests.framework.sse_shutdown_app:app"
GRACE = 20.0  # the server's --timeout-graceful-shutdown: the test must end far sooner


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_shutdown_ends_event_streams_and_lets_requests_finish(sig: signal.Signals) -> None:
    with serve_subprocess(APP, "--timeout-graceful-shutdown", str(GRACE)) as (proc, port):
        url = f"http://127.0.0.1:{port}"
        answers: list[httpx.Response] = []
        slow = threading.Thread(target=lambda: answers.append(httpx.get(f"{url}/slow", timeout=30)))
        with (
            httpx.Client(base_url=url, timeout=30) as client,
            client.stream("GET", "/events") as stream,
        ):
            lines = stream.iter_lines()
            assert next(lines) == "data: open"
            slow.start()
            assert [next(lines) for _ in range(2)] == ["", "data: slow started"]
            stopping = time.monotonic()
            proc.send_signal(sig)
            rest = list(lines)  # ends when the body does: a cut connection would raise
        join_all([slow], limit=GRACE)
        assert proc.wait(GRACE) == 0
        took = time.monotonic() - stopping
        output = proc.stdout.read().decode() if proc.stdout else ""
    assert rest == [""]
    assert [(a.status_code, a.json()) for a in answers] == [
        (200, {"finished": "after the stream closed"})
    ]
    assert "stream closed" in output
    assert took < GRACE / 2, f"the shutdown took {took:.1f} s"
