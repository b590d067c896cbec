"""What a request the server could not read is answered with.

llhttp (httptools) catches whatever a parser callback raises, stops, and raises its own
``HttpParserCallbackError("User callback error")`` with the callback's exception as its
``__context__``.  Three kinds of failure hide behind it and get different answers:

* :class:`Rejected`, raised on purpose by a callback: its own 4xx/5xx status and reason;
* any other ``Exception`` from our code is a bug: 500, with the traceback logged on
  ``squall.error`` (the client did nothing wrong, and must not be told it did);
* a ``BaseException`` that is not an ``Exception`` (``KeyboardInterrupt``, ``SystemExit``,
  ``CancelledError``) is not a request's failure at all: it is raised again.

A parse error llhttp found by itself is the client's: 400 with llhttp's reason, or 505 for
an HTTP version it does not know.
"""

from __future__ import annotations

from typing import Final

import httptools

from squall.server.state import error_logger

INTERNAL_ERROR: Final = (500, "Internal Server Error")


class Rejected(Exception):
    """Raised inside a parser callback to stop parsing and answer with an error status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_failure(exc: Exception) -> tuple[int, str]:
    """The status and reason to answer a failure while reading a request with."""
    if isinstance(exc, Rejected):
        return exc.status, exc.reason
    if isinstance(exc, httptools.HttpParserCallbackError):
        return _callback_failure(exc.__cause__ or exc.__context__ or exc)
    if isinstance(exc, httptools.HttpParserError):
        if "HTTP version" in str(exc):  # llhttp knows 0.9, 1.x and 2.0 only
            return 505, "HTTP version not supported"
        return 400, f"Invalid HTTP request: {exc}"
    return internal_error(exc)


def _callback_failure(cause: BaseException) -> tuple[int, str]:
    if isinstance(cause, Rejected):
        return cause.status, cause.reason
    if not isinstance(cause, Exception):
        raise cause  # not a failure of this request: let it reach the event loop
    return internal_error(cause)


def internal_error(exc: BaseException) -> tuple[int, str]:
    """A bug met while reading a request: logged with its traceback, answered with a 500."""
    error_logger.error("exception while reading a request", exc_info=exc)
    return INTERNAL_ERROR
