"""ASGI apps that misbehave on purpose, one fault per path (also importable by a subprocess).

``faulty`` answers ``/ok`` normally; every other path names a fault from the table below.  An
app that never responds parks on ``NEVER`` and notes what it heard afterwards in ``heard``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]

START: dict[str, Any] = {"type": "http.response.start", "status": 200, "headers": []}
heard: list[str] = []  # what the apps that outlive their client received after it went
entered: list[str] = []  # the paths of the requests that reached ``faulty``


def start(**changes: Any) -> dict[str, Any]:
    return {**START, **changes}


def body(data: Any = b"done", more: bool = False) -> dict[str, Any]:
    return {"type": "http.response.body", "body": data, "more_body": more}


def sized(length: int) -> dict[str, Any]:
    return start(headers=[(b"content-length", str(length).encode())])


# Invalid message sequences, each sent in order; the last (or an earlier) one is wrong.
# Those before the response starts (or while its head is still held) end in a 500; the
# others in a closed connection or, when the response had already completed, nothing.
INVALID_BEFORE_START: dict[str, list[dict[str, Any]]] = {
    "unknown-type": [{"type": "http.response.bogus"}],
    "missing-status": [{"type": "http.response.start", "headers": []}],
    "status-not-int": [start(status="200")],
    "status-out-of-range": [start(status=42)],
    "headers-not-a-list": [start(headers=b"x-a: b")],
    "header-str-pair": [start(headers=[("x-a", "b")])],
    "header-one-item": [start(headers=[(b"x-a",)])],
    "header-bad-name": [start(headers=[(b"x a", b"b")])],
    "header-bad-value": [start(headers=[(b"x-a", b"b\r\nx-injected: 1")])],
    "body-not-bytes": [START, body("text")],
    "body-before-start": [body()],
    "start-twice": [START, START],
    "longer-than-content-length": [sized(2), body(b"three")],
}
INVALID_AFTER_START: dict[str, list[dict[str, Any]]] = {
    "streamed-longer-than-content-length": [sized(4), body(b"abc", True), body(b"de")],
    "more-after-content-length": [sized(3), body(b"abc", True), body(b"x", True)],
    "streamed-body-not-bytes": [START, body(b"a", True), body(123)],
}
INVALID_AFTER_COMPLETE: dict[str, list[dict[str, Any]]] = {
    "body-after-complete": [START, body(), body(b"again")],
    "start-after-complete": [START, body(), START],
}
INVALID = {**INVALID_BEFORE_START, **INVALID_AFTER_START, **INVALID_AFTER_COMPLETE}


async def send_all(send: Send, messages: list[dict[str, Any]]) -> None:
    for message in messages:
        await send(message)


async def wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    fault = scope["path"].strip("/")
    entered.append(scope["path"])
    if fault == "ok":
        await send_all(send, [START, body(b"ok")])
    elif fault == "raise-before":
        raise ValueError("app bug before the response")
    elif fault == "raise-after-chunked":
        await send_all(send, [START, body(b"partial", True)])
        raise ValueError("app bug in a chunked body")
    elif fault == "raise-after-sized":
        await send_all(send, [sized(100), body(b"partial", True)])
        raise ValueError("app bug in a sized body")
    elif fault == "shorter-than-content-length":
        await send_all(send, [sized(10), body(b"short")])
    elif fault == "return-without-response":
        return
    elif fault == "return-after-start":
        await send_all(send, [START, body(b"partial", True)])
    elif fault == "hang":  # never responds, never reads: only a cancel ends it
        await asyncio.Event().wait()
    elif fault == "never-respond":  # until the client goes; then it returns
        await wait_for_disconnect(receive)
        heard.append("http.disconnect")
    elif fault == "respond-after-disconnect":
        await wait_for_disconnect(receive)
        heard.append("http.disconnect")
        await send_all(send, [START, body(b"too late")])
    elif fault in INVALID:
        await send_all(send, INVALID[fault])
    else:
        await send_all(send, [start(status=404), body(b"no such fault")])
