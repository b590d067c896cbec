"""What the smuggling tests run a corpus case with: a recording app, a marker, a response reader.

The app records every request it sees whole (method, target, body) and answers it with the
request's index in its record, so a test can tell which answers came from the app.  After a
case that leaves the connection open, the tests send :data:`MARKER`: a smuggled prefix left
behind by the case would change what the marker looks like to the app (another method, target
or body), or hide it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.server.smuggling_corpus import Case, Parsed, Request

MARKER = b"GET /marker?after=case HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n"
MARKER_REQUEST = Request("GET", b"/marker?after=case")
APP_HEADER = b"x-recorded-as"  # on every answer from the app: the request's index


class RecordingApp:
    """An ASGI app that records each request once its whole body is read."""

    def __init__(self) -> None:
        self.seen: list[Request] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # a body that could not be framed: never a request the app saw
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        query = scope["query_string"]
        target = scope["raw_path"] + (b"?" + query if query else b"")
        self.seen.append(Request(scope["method"], target, bytes(body)))
        index = b"%d" % (len(self.seen) - 1)
        headers = [(APP_HEADER, index), (b"content-length", b"%d" % len(index))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": index})


def wire_bytes(case: Case) -> bytes:
    """The case's bytes, with the marker after them when the connection should stay open."""
    outcome = case.outcome
    if isinstance(outcome, Parsed) and not outcome.closes:
        return case.raw + MARKER
    return case.raw


def expected_requests(case: Case) -> list[Request]:
    """What the app must have seen once the connection is closed."""
    outcome = case.outcome
    if isinstance(outcome, Parsed):
        return [*outcome.requests, *(() if outcome.closes else (MARKER_REQUEST,))]
    return list(outcome.before)


@dataclass(frozen=True)
class Answer:
    """One final response: its status, and the app's record index if the app answered."""

    status: int
    recorded_as: int | None


def answers(stream: bytes) -> list[Answer]:
    """The final responses in ``stream``, 1xx skipped.

    Every response here carries a Content-Length (Squall's and nginx's alike).
    """
    found: list[Answer] = []
    while stream:
        if not stream.startswith(b"HTTP/"):  # nginx answers an HTTP/0.9 request with a bare body
            found.append(Answer(200, int(stream) if stream.isdigit() else None))
            break
        head, blank, rest = stream.partition(b"\r\n\r\n")
        assert blank, f"an unfinished response: {stream[:300]!r}"
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        pairs = (line.partition(b":") for line in lines[1:])
        fields = {name.strip().lower(): value.strip() for name, _, value in pairs}
        size = int(fields.get(b"content-length", b"0"))
        if status >= 200:
            index = int(rest[:size]) if APP_HEADER in fields else None
            found.append(Answer(status, index))
        stream = rest[size:]
    return found


def check_direct(case: Case, stream: bytes, seen: list[Request]) -> None:
    """Squall alone: the app saw exactly the expected requests, answered as expected."""
    expected = expected_requests(case)
    assert seen == expected, f"{case.name}: the app saw {seen}, expected {expected}"
    statuses = [answer.status for answer in answers(stream)]
    oks = [200] * len(expected)
    outcome = case.outcome
    if isinstance(outcome, Parsed):
        assert statuses == oks, f"{case.name}: answered {statuses}: {stream[-300:]!r}"
    else:
        assert statuses[:-1] == oks and statuses[-1:] and statuses[-1] in outcome.statuses, (
            f"{case.name}: answered {statuses}, expected {len(oks)} x 200 then an error: "
            f"{stream[-300:]!r}"
        )
