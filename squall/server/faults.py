"""When an app misbehaves: what it is told, and the one log line that names the mistake.

- An app bug (an exception out of the app): ERROR with the traceback, naming the request.
- An invalid ASGI message (an unknown type, a missing or bad status, headers that are not
  byte pairs, a body that is not bytes, messages out of order, a body longer than its
  content-length): ``send`` raises :class:`InvalidMessage` into the app; if the app lets it
  out, one ERROR line names the request and the mistake, without a traceback.
- A body shorter than its announced content-length: one ERROR line (the connection closes:
  only a close can tell the client the body is incomplete).
- A client that went away: nothing above DEBUG.

What the client sees is the exchange's business (``exchange.py``): a 500 while nothing of the
response is out, else a connection closed with the body cut short.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from squall.server.state import error_logger


class InvalidMessage(RuntimeError):
    """An ASGI message the server can't send: the app's mistake, named in the message."""


def invalid_message(message: Mapping[str, Any], exc: Exception) -> InvalidMessage | None:
    """The :class:`InvalidMessage` for ``message``, whose sending raised ``exc``; None if
    neither the message nor the exception shows the app's mistake (then ``exc`` goes on, to
    be logged with its traceback: it may be the server's bug)."""
    flaw = _what_is_wrong(message)
    if flaw is not None:
        return InvalidMessage(flaw)
    if isinstance(exc, RuntimeError | ValueError):  # the checks' own words (wire.py, writer.py)
        return InvalidMessage(str(exc))
    return None


def _what_is_wrong(message: Mapping[str, Any]) -> str | None:
    """A message's flaw, found by looking at it (None: ``send`` says better what went wrong)."""
    if not isinstance(message, Mapping):
        return f"a message must be a dict, not {type(message).__name__}"
    kind = message.get("type")
    if kind == "http.response.start":
        if "status" not in message:
            return "'http.response.start' without a 'status'"
        status = message["status"]
        if type(status) is not int or not 100 <= status <= 999:
            return f"status {status!r} is not an int from 100 to 999"
        return _headers_flaw(message.get("headers", ()))
    if kind == "http.response.body":
        body = message.get("body", b"")
        if not isinstance(body, bytes):
            return f"a response body must be bytes, not {type(body).__name__}"
    return None


def _headers_flaw(headers: Any) -> str | None:
    if isinstance(headers, bytes | str) or not hasattr(headers, "__iter__"):
        return f"headers must be an iterable of (bytes, bytes) pairs, not {type(headers).__name__}"
    for header in headers:
        if (
            not isinstance(header, tuple | list)
            or len(header) != 2
            or not all(isinstance(part, bytes) for part in header)
        ):
            return f"a header must be a (bytes, bytes) pair, not {header!r}"
    return None


def log_app_error(method: str, path: str, exc: BaseException) -> None:
    """The app let ``exc`` out: one line, with a traceback unless it names its own mistake."""
    if isinstance(exc, InvalidMessage):
        error_logger.error("invalid ASGI message from the app (%s %s): %s", method, path, exc)
    else:
        error_logger.error("exception in the app (%s %s)", method, path, exc_info=exc)


def log_unfinished(method: str, path: str) -> None:
    """The app returned before its response was complete."""
    error_logger.error("the app returned without completing the response (%s %s)", method, path)


def log_short_body(method: str, path: str, sent: int, announced: int) -> None:
    """A response ended short of its content-length: the connection closes after it."""
    error_logger.error(
        "invalid ASGI message from the app (%s %s): response body shorter than its "
        "content-length (%d of %d bytes); closing the connection",
        method,
        path,
        sent,
        announced,
    )


def log_cancelled_at_shutdown(method: str, path: str) -> None:
    """Graceful shutdown timed out with the app still on this request: it was cancelled."""
    error_logger.warning("graceful shutdown timed out: cancelled %s %s", method, path)
